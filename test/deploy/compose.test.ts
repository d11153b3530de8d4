// The compose files, checked without a Docker engine (there is none here): against the Compose
// Specification's JSON schema and the house rules, and for what the local stack must contain.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkComposeFile } from '../../dev/compose';
import { projectRoot } from '../../src/platform/paths';
import { tempDir } from '../helpers/servers';

const local = checkComposeFile(path.join(projectRoot, 'docker-compose.yml'));
const production = checkComposeFile(path.join(projectRoot, 'docker-compose.production.yml'));

describe('compose files', () => {
  it('both are valid Compose files with every port on 127.0.0.1 and health checks', () => {
    assert.deepEqual(local.problems, []);
    assert.deepEqual(production.problems, []);
  });

  it('the checker catches a schema error and a port open to every interface', () => {
    const broken = path.join(tempDir('compose'), 'docker-compose.yml');
    const text = fs
      .readFileSync(path.join(projectRoot, 'docker-compose.yml'), 'utf8')
      .replace("- '127.0.0.1:8080:8080'", "- '8080:8080'")
      .replace('    stop_grace_period: 30s', '    stop_grace_periods: 30s');
    fs.writeFileSync(broken, text);
    const { problems } = checkComposeFile(broken);
    assert.ok(problems.some((p) => /bridge: port "8080:8080" is not bound to 127.0.0.1/.test(p)));
    assert.ok(problems.some((p) => /schema: \/services\/bridge .*stop_grace_periods/.test(p)));
  });

  it('the local stack: a one-shot init before worker and bridge, an exports volume, the observe profile', () => {
    const { services, volumes } = local.document;
    assert.deepEqual(services.init?.command, ['init']);
    for (const name of ['worker', 'bridge']) {
      assert.deepEqual(services[name]?.depends_on, { init: { condition: 'service_completed_successfully' } });
      assert.ok(services[name]?.healthcheck?.test, `${name} has a health check`);
      assert.equal(services[name]?.environment?.PIPELINE_ENV, 'local');
    }
    assert.ok(services.worker?.volumes?.includes('exports:/app/.data/exports'));
    assert.ok(volumes && 'exports' in volumes);
    assert.deepEqual(services.prometheus?.profiles, ['observe']);
    assert.deepEqual(services.grafana?.profiles, ['observe']);
    const dashboard = JSON.parse(
      fs.readFileSync(path.join(projectRoot, 'deploy/grafana/dashboards/game-day-pipeline.json'), 'utf8'),
    ) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const metric of [
      'bridge_messages_received_total',
      'pipeline_latency_seconds_bucket',
      'temporal_workflow_completed_total',
    ]) {
      assert.match(exprs, new RegExp(metric));
    }
  });

  it('the production file runs Temporal on PostgreSQL with admin-tools and the UI, and no emulator', () => {
    const { services } = production.document;
    assert.match(services.temporal?.image ?? '', /^temporalio\/server:/);
    assert.match(services['temporal-schema']?.image ?? '', /^temporalio\/admin-tools:/);
    assert.match(services['temporal-ui']?.image ?? '', /^temporalio\/ui:/);
    assert.match(services.postgresql?.image ?? '', /^postgres:/);
    const text = fs.readFileSync(path.join(projectRoot, 'docker-compose.production.yml'), 'utf8');
    assert.doesNotMatch(text, /EMULATOR_HOST|PIPELINE_ENV: local/);
  });
});

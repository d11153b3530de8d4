// The alert rules fire the first time (promtool's unit tests in deploy/prometheus/alerts.test.yml:
// the first dead letter after a restart, the first failed workflow, backlog, slots, schedule-to-start)
// and Alertmanager's routes load. Needs promtool and amtool (scripts/setup.sh installs them with apt);
// without them this skips and says how to run it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { projectRoot } from '../../src/platform/paths';

function tool(name: string): boolean {
  return spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0;
}

function run(command: string, ...args: string[]) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: projectRoot });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

const missing = ['promtool', 'amtool'].filter((name) => !tool(name));
const skip =
  missing.length > 0 && `${missing.join(' and ')} not installed (apt-get install prometheus prometheus-alertmanager)`;

describe('alerting', { skip }, () => {
  it('the rules load and their unit tests pass (promtool test rules)', () => {
    const rules = path.join('deploy', 'prometheus');
    assert.ok(run('promtool', 'check', 'rules', path.join(rules, 'alerts.yml')).ok);
    const tests = run('promtool', 'test', 'rules', path.join(rules, 'alerts.test.yml'));
    assert.ok(tests.ok, tests.output);
  });

  it("Alertmanager's routes load (amtool check-config)", () => {
    const check = run('amtool', 'check-config', path.join('deploy', 'alertmanager', 'alertmanager.yml'));
    assert.ok(check.ok, check.output);
  });
});

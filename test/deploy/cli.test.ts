// The CLI's contract for scripts: exit 3 when Temporal cannot be reached (1 is "unhealthy", 2 bad
// usage), --version, and a completion script made from the commands that exist.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { projectRoot } from '../../src/platform/paths';
import { freePort } from '../helpers/servers';

const cli = path.join(projectRoot, 'bin/pipeline.js');
let env: NodeJS.ProcessEnv;

before(async () => {
  // Nothing listens here: every command that needs Temporal cannot reach it.
  env = { ...process.env, TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, LOG_LEVEL: 'warn' };
});

function pipeline(args: string[], extra: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...env, ...extra } });
}

/** Runs a command to its exit asynchronously, so two can wait on their connection deadline at once. */
function exitOf(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('the CLI for scripts', () => {
  it('health, reconcile and status exit 3 when Temporal cannot be reached', async () => {
    const results = await Promise.all([
      exitOf(['health']),
      exitOf(['reconcile', '--days', '1']),
      exitOf(['deploy', 'status']),
    ]);
    for (const { code, stderr } of results) {
      assert.equal(code, 3, stderr);
      assert.match(stderr, /cannot reach Temporal/);
    }
  });

  it('--version prints the release, and the build id when there is one', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    assert.equal(pipeline(['--version']).stdout.trim(), version);
    assert.equal(pipeline(['--version'], { TEMPORAL_WORKER_BUILD_ID: 'rc1' }).stdout.trim(), `${version} (build rc1)`);
  });

  it('completion prints a bash script listing the commands and their subcommands', () => {
    const result = pipeline(['completion', 'bash']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /complete -F _pipeline pipeline/);
    assert.match(result.stdout, /"deploy"\) COMPREPLY=\(\$\(compgen -W "status ramp promote rollback/);
    assert.equal(spawnSync('bash', ['-n'], { input: result.stdout }).status, 0, 'valid bash');
    assert.equal(pipeline(['completion', 'fish']).status, 2, 'an unknown shell is bad usage');
  });
});

// A bad argument to the CLI says what was wrong and exits non-zero, before touching any server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const cli = path.resolve(__dirname, '../../bin/pipeline.js');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('pipeline CLI arguments', () => {
  for (const [args, reason] of [
    [['status', '2025-02-30'], /expected a game date YYYY-MM-DD, got "2025-02-30"/],
    [['status', 'yesterday'], /expected a game date YYYY-MM-DD/],
    [['status'], /missing required argument 'date'/],
    [['simulate', '--date', '11/29/2025'], /expected a game date YYYY-MM-DD/],
    [['simulate', '--date', '2025-11-29', '--through', '7'], /Allowed choices are 3, 4, 5, 6/],
    [['simulate', '--date', '2025-11-29', '--timeout', '-1'], /expected a positive number/],
    [['no-such-command'], /unknown command 'no-such-command'/],
  ] as const) {
    it(`rejects ${args.join(' ')}`, () => {
      const result = run(...args);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, reason);
    });
  }
});

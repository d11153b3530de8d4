// A bad argument to the CLI says what was wrong and exits non-zero, before touching any server.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const cli = path.resolve(__dirname, '../../bin/pipeline.js');
// Nothing listens here: a command that reached Temporal would exit 1, not 2.
const noServers = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', PUBSUB_EMULATOR_HOST: '' };
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env: noServers });

describe('pipeline CLI arguments', () => {
  for (const [args, reason] of [
    [['status', '2025-02-30'], /expected a game date YYYY-MM-DD, got "2025-02-30"/],
    [['status', 'yesterday'], /expected a game date YYYY-MM-DD/],
    [['status'], /missing required argument 'date'/],
    [['simulate', '--date', '11/29/2025'], /expected a game date YYYY-MM-DD/],
    [['simulate', '--date', '2025-11-29', '--through', '7'], /Allowed choices are 3, 4, 5, 6/],
    [['simulate', '--date', '2025-11-29', '--timeout', '-1'], /expected a positive number/],
    [['simulate', '--date', '2025-11-29', '--lose', 'Nope'], /--lose: no processor Nope in phases 2-5/],
    [
      ['simulate', '--date', '2025-11-29', '--through', '3', '--lose', 'PlayerGameSummaryProcessor'],
      /its phase is answered by phase 4; pass --through 4 or more/,
    ],
    [['no-such-command'], /unknown command 'no-such-command'/],
    [['trigger', 'phase3', '--date', '2025-13-01', '--reason', 'r'], /expected a game date YYYY-MM-DD/],
    [['trigger', 'phase7', '--date', '2025-11-29', '--reason', 'r'], /unknown phase "phase7"/],
    [['trigger', 'phase3', '--date', '2025-11-29'], /required option '--reason <text>' not specified/],
    [['trigger', 'phase3', '--date', '2025-11-29', '--reason', '  '], /a reason must say something/],
    [['trigger', 'phase3', '--date', '2025-11-29', '--reason', 'r', '--level', '2'], /--level applies to phase4 only/],
    [['trigger', 'phase4', '--date', '2025-11-29', '--reason', 'r', '--level', '9'], /unknown phase 4 level 9/],
    [['complete', '--date', '2025-11-29', '--processor', 'Nope', '--reason', 'r'], /unknown processor "Nope"/],
    [['complete', '--date', '2025-11-29', '--processor', 'Nope'], /required option '--reason <text>'/],
    [['rerun', '2025-11-29', '--from-phase', '2', '--reason', 'r'], /unknown phase "2"/],
    [['rerun', '2025-11-29', '--from-phase', '3'], /required option '--reason <text>'/],
    [['rerun', 'last-tuesday', '--from-phase', '3', '--reason', 'r'], /expected a game date YYYY-MM-DD/],
    [['export', '--date', '2025-11-29', '--types', 'tonight,nope'], /unknown export type nope/],
  ] as const) {
    it(`rejects ${args.join(' ')}`, () => {
      const result = run(...args);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, reason);
    });
  }

  it('refuses to simulate on real Pub/Sub without --allow-real-pubsub', () => {
    const result = spawnSync(process.execPath, [cli, 'simulate', '--date', '2025-11-29'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: noServers,
    });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /PUBSUB_EMULATOR_HOST is empty: simulate would publish a fake day to real Pub\/Sub/);
  });
});

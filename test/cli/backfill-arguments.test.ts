// `pipeline backfill` refuses a bad request with the reason and exit 2, before touching any server;
// --dry-run lists the plan and starts nothing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backfillRangeProblem, backfillSteps, stepDate } from '../../src/backfill/plan';

const cli = path.resolve(__dirname, '../../bin/pipeline.js');
// No server listens there: a command that tried to reach Temporal would fail with exit 1, not 2.
const env = { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1' };
const run = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, env });

describe('pipeline backfill arguments', () => {
  for (const [args, reason] of [
    [['--from', '2025-01-31', '--to', '2025-01-01', '--reason', 'x'], /the range is reversed/],
    [['--from', '2020-01-01', '--to', '2025-01-01', '--reason', 'x'], /longer than 366 dates/],
    [['--from', '2099-01-01', '--to', '2099-01-03', '--reason', 'x'], /--to 2099-01-03 is too recent/],
    [['--from', '2025-01-01', '--to', '2025-01-03'], /--reason is required/],
    [['--from', '2025-01-01', '--to', '2025-01-03', '--reason', ' '], /a reason is required/],
    [
      ['--from', '2025-01-01', '--to', '2025-01-03', '--reason', 'x', '--through-phase', '9'],
      /--through-phase must be/,
    ],
    [['--from', '2025-01-01', '--to', '2025-01-03', '--reason', 'x', '--from-phase', '2'], /--from-phase must be/],
    [['--from', '2025-01-01', '--to', '2025-01-03', '--reason', 'x', '--max-active', '0'], /--max-active must be/],
    [['--from', '2025-02-30', '--to', '2025-03-03', '--reason', 'x'], /expected a game date YYYY-MM-DD/],
    [['--to', '2025-03-03', '--reason', 'x'], /--from and --to are required/],
    [['pause', 'backfill-x'], /required option '--reason <text>'/],
  ] as const) {
    it(`refuses backfill ${args.join(' ')}`, () => {
      const result = run('backfill', ...args);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, reason);
    });
  }

  it('--dry-run lists every date and trigger and reaches no server', () => {
    const result = run(
      'backfill',
      '--from',
      '2025-01-30',
      '--to',
      '2025-02-02',
      '--through-phase',
      '3',
      '--dry-run',
      '--json',
    );
    assert.equal(result.status, 0, result.stderr);
    const plan = JSON.parse(result.stdout) as { dates: number; triggers: number; plan: { date: string }[] };
    assert.deepEqual(
      plan.plan.map((p) => p.date),
      ['2025-01-30', '2025-01-31', '2025-02-01', '2025-02-02'],
    );
    assert.equal(plan.triggers, 4);
  });
});

describe('backfill plan', () => {
  it('loads the results of a date, then the slate of the next game date, level by level', () => {
    const steps = backfillSteps(3, 6);
    assert.deepEqual(
      steps.map((s) => [s.key, s.half, s.starts.processors.length]),
      [
        ['phase3', 'results', 5],
        ['phase4/1', 'slate', 3],
        ['phase4/2', 'slate', 1],
        ['phase4/3', 'slate', 1],
        ['phase5', 'slate', 1],
        ['phase6', 'slate', 0],
      ],
    );
    const date = { date: '2024-01-07', next: '2024-01-09' };
    assert.deepEqual(
      steps.map((s) => stepDate(s, date)),
      ['2024-01-07', '2024-01-09', '2024-01-09', '2024-01-09', '2024-01-09', '2024-01-09'],
    );
  });

  it('takes a range of up to 366 past dates', () => {
    const range = { from: '2024-10-01', to: '2025-09-30', fromPhase: 3, throughPhase: 6, maxActive: 4 };
    assert.equal(backfillRangeProblem(range, '2026-01-01'), undefined);
    assert.match(
      backfillRangeProblem({ ...range, from: '2025-06-01', to: '2025-12-31' }, '2026-01-01') ?? '',
      /too recent/,
    );
  });
});

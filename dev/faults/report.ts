// One result per scenario, one line each on the console, a summary, and bench-results/faults.json.
import fs from 'node:fs';
import path from 'node:path';

export interface ScenarioResult {
  name: string;
  passed: boolean;
  wall_ms: number;
  dates: number;
  expected_triggers: number;
  lost: number;
  duplicate_trigger_ids: number;
  raw_republishes: number;
  dead_letters: number;
  /** Poison inputs: how many came out on the review subscription with a reason. */
  poison?: { sent: number; dead_lettered_with_reason: number; pct: number };
  fuzz?: { payloads: number; acked: number; dead_lettered: number; nack_loops: number; thrown: number };
  /**
   * Alerts that should have reached a person (a Slack message, a PagerDuty page) against those that
   * did, and deliveries repeated on a route that had already taken the alert.
   */
  pages?: { expected: number; delivered: number; repeated: number };
  /** Fault → the restarted process (or server) doing its job again. */
  recovery_ms?: number | null;
  /** Fault → every expected trigger of the scenario seen. */
  drained_ms?: number | null;
  /** Exits of the supervised processes during the scenario, and how many were not our kill. */
  restarts?: { worker: number; bridge: number; unplanned: number };
  /** Why it failed, one line per problem. */
  failures: string[];
  notes?: string[];
}

export type Figures = Omit<ScenarioResult, 'name' | 'passed' | 'wall_ms' | 'failures'>;

export const noFigures: Figures = {
  dates: 0,
  expected_triggers: 0,
  lost: 0,
  duplicate_trigger_ids: 0,
  raw_republishes: 0,
  dead_letters: 0,
};

export interface SuiteReport {
  tier: 'full' | 'fast';
  seed: number;
  started_at: string;
  wall_ms: number;
  passed: boolean;
  summary: {
    scenarios: number;
    failed: string[];
    dates: number;
    lost: number;
    duplicate_trigger_ids: number;
    raw_republishes: number;
    dead_letters: number;
    poison_dead_lettered_pct: number | null;
    recovery_ms: Record<string, number | null>;
  };
  scenarios: ScenarioResult[];
}

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`;

export function scenarioLine(r: ScenarioResult): string {
  const parts = [
    `${r.passed ? 'PASS' : 'FAIL'} ${r.name.padEnd(18)}`,
    `dates ${r.dates}`,
    `triggers ${r.expected_triggers}`,
    `lost ${r.lost}`,
    `duplicate ids ${r.duplicate_trigger_ids}`,
    `republished ${r.raw_republishes}`,
    `dead letters ${r.dead_letters}`,
  ];
  if (r.poison)
    parts.push(`poison ${r.poison.dead_lettered_with_reason}/${r.poison.sent} with reason (${r.poison.pct} %)`);
  if (r.fuzz)
    parts.push(
      `fuzz ${r.fuzz.payloads}: ${r.fuzz.acked} acked (${r.fuzz.dead_lettered} dead-lettered), ${r.fuzz.nack_loops} nack loops, ${r.fuzz.thrown} thrown`,
    );
  if (r.pages) parts.push(`pages ${r.pages.delivered}/${r.pages.expected} (repeated ${r.pages.repeated})`);
  if (r.recovery_ms !== undefined) parts.push(`recovered ${seconds(r.recovery_ms)}`);
  if (r.drained_ms !== undefined) parts.push(`drained ${seconds(r.drained_ms)}`);
  if (r.restarts)
    parts.push(`restarts worker ${r.restarts.worker} bridge ${r.restarts.bridge} (unplanned ${r.restarts.unplanned})`);
  parts.push(`[${seconds(r.wall_ms)}]`);
  return [
    parts.join('  '),
    ...r.failures.map((f) => `       ✗ ${f}`),
    ...(r.notes ?? []).map((n) => `       · ${n}`),
  ].join('\n');
}

export function summarize(
  tier: SuiteReport['tier'],
  seed: number,
  startedAt: number,
  scenarios: ScenarioResult[],
): SuiteReport {
  const sum = (pick: (r: ScenarioResult) => number) => scenarios.reduce((total, r) => total + pick(r), 0);
  const poisonSent = sum((r) => r.poison?.sent ?? 0);
  const failed = scenarios.filter((r) => !r.passed).map((r) => r.name);
  return {
    tier,
    seed,
    started_at: new Date(startedAt).toISOString(),
    wall_ms: Date.now() - startedAt,
    passed: failed.length === 0,
    summary: {
      scenarios: scenarios.length,
      failed,
      dates: sum((r) => r.dates),
      lost: sum((r) => r.lost),
      duplicate_trigger_ids: sum((r) => r.duplicate_trigger_ids),
      raw_republishes: sum((r) => r.raw_republishes),
      dead_letters: sum((r) => r.dead_letters),
      poison_dead_lettered_pct: poisonSent
        ? round((100 * sum((r) => r.poison?.dead_lettered_with_reason ?? 0)) / poisonSent)
        : null,
      recovery_ms: Object.fromEntries(
        scenarios.filter((r) => r.recovery_ms !== undefined).map((r) => [r.name, r.recovery_ms ?? null]),
      ),
    },
    scenarios,
  };
}

export function summaryLines(report: SuiteReport): string[] {
  const s = report.summary;
  return [
    `${report.passed ? 'PASSED' : 'FAILED'}: ${s.scenarios - s.failed.length}/${s.scenarios} scenarios (${report.tier} tier, seed ${report.seed}) in ${seconds(report.wall_ms)}`,
    `  dates ${s.dates}  lost ${s.lost}  duplicate trigger ids ${s.duplicate_trigger_ids}  raw republishes ${s.raw_republishes}  dead letters ${s.dead_letters}`,
    `  poison dead-lettered with a reason: ${s.poison_dead_lettered_pct === null ? 'n/a' : `${s.poison_dead_lettered_pct} %`}`,
    `  time to recover: ${
      Object.entries(s.recovery_ms)
        .map(([name, ms]) => `${name} ${seconds(ms)}`)
        .join(', ') || 'n/a'
    }`,
    ...(s.failed.length ? [`  failed: ${s.failed.join(', ')}`] : []),
    '',
    ...summaryTable(report.scenarios),
  ];
}

/** One row per scenario, as a Markdown table: what a closing note quotes. */
export function summaryTable(scenarios: readonly ScenarioResult[]): string[] {
  const rows = scenarios.map((r) => [
    r.name,
    r.passed ? 'pass' : 'FAIL',
    String(r.dates),
    String(r.lost),
    String(r.duplicate_trigger_ids),
    r.pages ? `${r.pages.expected} / ${r.pages.delivered}` : '–',
    r.recovery_ms === undefined ? '–' : seconds(r.recovery_ms),
    seconds(r.wall_ms),
  ]);
  const header = [
    'scenario',
    'result',
    'dates',
    'lost',
    'duplicate trigger ids',
    'pages due / sent',
    'time to recover',
    'wall',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function writeReport(report: SuiteReport, file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

export const round = (n: number): number => Math.round(n * 10) / 10;

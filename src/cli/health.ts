// `pipeline health [--json]`: one line per problem (kind, date, what), exit 1 when there is any.
import type { HealthReport } from '../watch/rules';

export function renderHealth(report: HealthReport): string {
  if (report.healthy) return `healthy (checked ${report.checked_at})`;
  return report.problems.map((p) => [p.kind, p.game_date ?? '-', p.detail].join('  ')).join('\n');
}

// `pipeline status <date>`: where a game date stands, as a table (the answer itself: status-sources.ts, status-http.ts).
import Table from 'cli-table3';
import type { GameDayStatus } from '../date-run/status';
import type { SourcedStatus } from './status-sources';

const sourceNames = {
  live: 'the live run (its status query)',
  'run-history': 'the run history in BigQuery (the run did not answer)',
  temporal: "Temporal's describe only (no run history)",
  none: 'nowhere: no run and no run history for the date',
} as const;

export function renderStatus(status: GameDayStatus & Partial<Omit<SourcedStatus, keyof GameDayStatus>>): string {
  const table = new Table({
    head: ['phase', 'status', 'done', 'missing', 'failed', 'triggered at'],
    style: { head: [], border: [] },
  });
  for (const [phase, s] of Object.entries(status.phases)) {
    table.push([
      phase,
      s.status,
      `${s.completed_count}/${s.expected_count}`,
      summarize(s.missing_processors, s.completed_count === 0 ? 'all' : undefined),
      summarize(s.failed_processors),
      s.triggered_at ?? '',
    ]);
  }
  const header = [
    `game date       ${status.game_date}`,
    `correlation id  ${status.correlation_id === null ? '—' : printable(status.correlation_id)}`,
    `backfill        ${status.backfill ? 'yes (nothing published downstream)' : 'no'}`,
    `results         ${resultsLine(status)}`,
    `slate           ${slateLine(status)}`,
    `waiting on      ${status.waiting_on ?? 'not started'}`,
    ...(status.source ? [`answer from     ${sourceNames[status.source]}`] : []),
    ...(status.source_note ? [`                ${status.source_note}`] : []),
    ...(status.temporal_status ? [`temporal        ${status.temporal_status.toLowerCase()}`] : []),
    ...(status.leases?.length
      ? [
          `leases          ${status.leases.map((l) => `${l.processor} (${printable(l.holder)} until ${l.expires_at})`).join(', ')}`,
        ]
      : []),
  ];
  const footer = status.web_ui ? `\nweb ui          ${status.web_ui}` : '';
  return `${header.join('\n')}\n${table.toString()}${footer}`;
}

/** The results of the date (phases 2, 3, the night after its games): where they went. */
function resultsLine(status: GameDayStatus): string {
  const results = status.results;
  if (!results?.handed_over_to) return `of ${status.game_date}: not complete yet`;
  const by = results.next_by === 'next-day' ? ', the next day: the schedule did not say' : '';
  return `of ${status.game_date} handed over to the slate of ${results.handed_over_to} at ${results.handed_over_at ?? '?'}${by}`;
}

/** The slate of the date (phases 4, 5, 6, on its morning): the results it started from. */
function slateLine(status: GameDayStatus): string {
  const slate = status.slate;
  const id = slate?.correlation_id ? ` (correlation id ${printable(slate.correlation_id)})` : '';
  if (!slate?.results_of) return `of ${status.game_date}: no results handed over yet${id}`;
  return `of ${status.game_date} from the results of ${slate.results_of} (${slate.source ?? 'orchestrator'}${slate.handed_over_at ? `, ${slate.handed_over_at}` : ''})${id}`;
}

function summarize(names: string[], whenAll?: string): string {
  if (names.length === 0) return '';
  if (whenAll && names.length > 3) return `${whenAll} (${names.length})`;
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} +${names.length - 3}`;
}

/** Control characters as escapes: a correlation id from a message must not drive the operator's terminal. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

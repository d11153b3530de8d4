// Dates and times, pure (Intl only) so workflows can use them with their deterministic clock: the
// zones the pipeline keeps time in, each defined once, calendar dates, and wall-clock times as instants.

/** The zones of the pipeline's day: the schedule's deadlines are Eastern, the game date is Pacific. */
export const timeZones = {
  eastern: 'America/New_York',
  pacific: 'America/Los_Angeles',
  utc: 'UTC',
} as const;
export type TimeZone = (typeof timeZones)[keyof typeof timeZones];

/** A game date is the date in Los Angeles: a late West-coast game still belongs to its evening. */
export const gameDayTimeZone = timeZones.pacific;

/** `today`/`yesterday` in a trigger are calendar dates in this zone (the Cloud Scheduler jobs were UTC crons). */
export const relativeDateTimeZone = timeZones.utc;

/** YYYY-MM-DD, or `today` / `yesterday` read when the export runs: a string holds both forms. */
export type TargetDate = string;

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (2025-02-30 is not one). */
export function isCalendarDate(value: string): boolean {
  const match = isoDate.exec(value);
  if (!match) return false;
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** The date `days` after `gameDate` (negative for before). */
export function addDays(gameDate: string, days: number): string {
  const date = new Date(`${gameDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** Milliseconds since the epoch of `hh:mm` on `date` (YYYY-MM-DD) in `timeZone`. */
export function zonedInstant(date: string, hhmm: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = hhmm.split(':').map(Number) as [number, number];
  const asIfUtc = Date.UTC(y, m - 1, d, hh, mm);
  // The zone's offset at that moment; once more after applying it, in case a DST change lies between.
  const first = asIfUtc - offsetMs(asIfUtc, timeZone);
  return asIfUtc - offsetMs(first, timeZone);
}

function offsetMs(instant: number, timeZone: string): number {
  const p = partsAt(instant, timeZone);
  const wall = Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
  return wall - Math.floor(instant / 1000) * 1000;
}

function partsAt(instant: number, timeZone: string): Record<string, string> {
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  return Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, p.value]));
}

/** The calendar date (YYYY-MM-DD) it is in `timeZone` at `instant`. */
export function calendarDateIn(timeZone: string, instant: Date): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

/** An explicit date stays as it is; `today`/`yesterday` are read at `instant` in `timeZone`. */
export function resolveTargetDate(target: TargetDate, instant: Date, timeZone: string): string {
  if (target === 'today') return calendarDateIn(timeZone, instant);
  if (target === 'yesterday') return addDays(calendarDateIn(timeZone, instant), -1);
  if (!isCalendarDate(target)) throw new Error(`target date must be YYYY-MM-DD, today or yesterday, got "${target}"`);
  return target;
}

/**
 * Whether exports for `targetDate` may update the website's `latest`/`today` files at `instant`:
 * only around the current game date, so a rerun of an old day never overwrites today's files.
 */
export function updatesLatest(targetDate: string, instant: Date): boolean {
  const today = calendarDateIn(gameDayTimeZone, instant);
  return targetDate >= addDays(today, -1) && targetDate <= addDays(today, 1);
}

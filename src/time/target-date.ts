// Turning `today` / `yesterday` into a calendar date: pure, so workflows can use it with their
// deterministic clock and tests can pin the instant.
import { addDays, isCalendarDate } from './dates';
import { gameDayTimeZone, type TargetDate } from '../pipeline/exports';

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

// What every command's arguments share, without loading any client: refusals that exit 2, game dates.
import { InvalidArgumentError } from 'commander';
import { isCalendarDate } from '../time';

/** Bad usage: the command prints the message and exits 2. */
export class UsageError extends Error {}

/** A server the command needs could not be reached (Temporal): exit 3, so cron tells it from "unhealthy" (1). */
export class UnreachableError extends Error {}

/** The CLI's exit codes (README, "CLI exit codes"). */
export const exitCodes = { ok: 0, problem: 1, usage: 2, unreachable: 3 } as const;

export function gameDate(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`expected a game date YYYY-MM-DD, got "${value}"`);
  return value;
}

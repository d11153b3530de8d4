// What every command's arguments share, without loading any client: refusals that exit 2, game dates.
import { InvalidArgumentError } from 'commander';
import { isCalendarDate } from '../messages/dates';

/** Bad usage: the command prints the message and exits 2. */
export class UsageError extends Error {}

export function gameDate(value: string): string {
  if (!isCalendarDate(value)) throw new InvalidArgumentError(`expected a game date YYYY-MM-DD, got "${value}"`);
  return value;
}

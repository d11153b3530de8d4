// Phase 5's backup path, at the backup deadline when phase 4 has not reported: is the date a game
// day at all (the schedule), and are phase 4's features in BigQuery (checked for up to 30 minutes)?
import * as wf from '@temporalio/workflow';
import type { ScheduledDay } from '../schedule/activities';
import { pipeline } from '../pipeline/definition';
import { failureMessage } from '../temporal/failure';
import { readsUntil } from './reads';
import type { PushSource } from '../date-run/signals';

const schedule = pipeline.phase5;
const untilAt = (instant: number) => Math.max(0, instant - Date.now());

/** How predictions start: who started them, and the players phase 4 (or BigQuery) said were ready. */
export interface PredictionsStart {
  source: 'orchestrator' | 'backup' | PushSource;
  players: { ready: number | null; total: number | null };
}

/** What the backup path decided: start predictions, or not at all (no games today). */
export type BackupDecision = PredictionsStart | { noGames: ScheduledDay };

/**
 * From the backup deadline on: a day the schedule knows has no games ends here; otherwise feature
 * rows are checked until they appear or the wait is up. Undefined when phase 4 (or an operator)
 * went ahead meanwhile.
 */
export async function backupPath(
  gameDate: string,
  goAhead: () => boolean,
  known: ScheduledDay | undefined,
): Promise<BackupDecision | undefined> {
  const giveUpAt = Date.now() + schedule.backupWaitsUpTo;
  const day = await unlessGoneAhead(goAhead, () => scheduledDay(gameDate, known, giveUpAt));
  if (!day || goAhead()) return undefined;
  if (day.verdict === 'no_games') return { noGames: day };
  for (;;) {
    const rows = await readsUntil(giveUpAt)
      .featureRowCount(gameDate)
      .catch((error: unknown) => {
        wf.log.warn('phase 4 readiness unknown: BigQuery did not answer in time', {
          game_date: gameDate,
          error: failureMessage(error),
        });
        return 0;
      });
    if (goAhead()) return undefined;
    if (rows > 0 || Date.now() >= giveUpAt) return { source: 'backup', players: { ready: rows, total: null } };
    await wf.condition(goAhead, Math.min(schedule.readinessCheckEvery, untilAt(giveUpAt)));
  }
}

/** The opener's reading when it had one; else the schedule now. Unanswered, it is a game day. */
async function scheduledDay(gameDate: string, known: ScheduledDay | undefined, until: number): Promise<ScheduledDay> {
  if (known && known.verdict !== 'unknown') return known;
  return readsUntil(until)
    .scheduledDay(gameDate)
    .catch((error: unknown): ScheduledDay => {
      wf.log.warn('schedule unknown: treated as a game day', { game_date: gameDate, error: failureMessage(error) });
      return { gameDate, verdict: 'unknown', games: 0, before: 0, after: 0 };
    });
}

/** A read that phase 4 (or an operator) overtakes is cancelled: their start must not wait for it. */
async function unlessGoneAhead<T>(goAhead: () => boolean, read: () => Promise<T>): Promise<T | undefined> {
  const scope = new wf.CancellationScope();
  const reading = scope.run(read);
  const overtaken = wf.condition(goAhead).then(() => undefined);
  const answer = await Promise.race([reading, overtaken]);
  if (answer === undefined) {
    scope.cancel();
    reading.catch(() => undefined); // cancelled: its failure is expected
  }
  return answer;
}

// One date's phase 5 run as a state object: what it knows (its input, and what its signals bring,
// handed to it by the workflow function's handlers) and its steps: wait for phase 4 or fall back on
// BigQuery at the backup deadline, start predictions, retry stragglers, check the SLA.
import { phase5RetryTrigger, phase5StartTrigger } from '../messages/trigger';
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { triggerKeys } from '../pipeline/ids';
import { zonedInstant } from '../time';
import type { ScheduledDay } from '../schedule/activities';
import { failureMessage } from '../temporal/failure';
import { fireOnce } from '../triggers/fire';
import { backupPath, type BackupDecision, type PredictionsStart } from './backup';
import { checkSla, readsUntil } from './reads';
import { CorrelationId } from '../temporal/search-attributes';
import { stepFiredSignal, type Phase4Done, type PushSource, type StepFired } from '../date-run/signals';

const schedule = pipeline.phase5;
const untilAt = (instant: number) => Math.max(0, instant - Date.now());

export interface Phase5Input {
  gameDate: string;
  correlationId: string | null;
  backfill: boolean;
  /** When the date's run opened: deadlines apply only to runs opened before the SLA check. */
  openedAt: string;
  /** What an earlier phase 5 run of the date did and knew, when this one replaces it. */
  resume?: { fired: Record<string, StepFired>; phase4?: Phase4Done; predictionsComplete: boolean };
  /** A rerun's id scope (`rerun-<n>`): its trigger ids differ from the first run's. */
  scope?: string;
  /** Start predictions at once (a rerun from phase 5). */
  pushed?: PushSource;
  /** What the schedule said when the opener opened the date. */
  schedule?: ScheduledDay;
}

export class Phase5Day {
  private readonly gameDate: string;
  private correlationId: string | null;
  backfill: boolean;
  private phase4: Phase4Done | undefined;
  private predictionsComplete: boolean;
  private readonly fired: Record<string, StepFired>;
  private pushed: PushSource | undefined;

  constructor(
    private readonly input: Phase5Input,
    private readonly run: wf.ExternalWorkflowHandle,
  ) {
    this.gameDate = input.gameDate;
    this.correlationId = input.correlationId;
    this.backfill = input.backfill;
    this.phase4 = input.resume?.phase4;
    this.predictionsComplete = input.resume?.predictionsComplete ?? false;
    this.fired = { ...input.resume?.fired };
    this.pushed = input.pushed;
  }

  // ── What arrives ─────────────────────────────────────────────────────────────────────────────

  /** Phase 4 is done (the first report counts). */
  phase4Finished(done: Phase4Done): void {
    this.phase4 ??= done;
  }

  predictionsCompleted(): void {
    this.predictionsComplete = true;
  }

  backfillRequested(): void {
    this.backfill = true;
  }

  /** An operator or a rerun starts predictions now (the first push counts). */
  pushedBy(source: PushSource): void {
    this.pushed ??= source;
  }

  /** The slate's correlation id, handed over after the run started. */
  learnCorrelation(id: string): void {
    if (this.correlationId) return;
    this.correlationId = id;
    // The Web UI finds the slate's predictions by the id handed over, also when it came late.
    wf.upsertSearchAttributes([{ key: CorrelationId, value: id }]);
  }

  // ── Steps ────────────────────────────────────────────────────────────────────────────────────

  /** A restarted phase 5: predictions were started by the run it replaces. */
  alreadyStarted(): boolean {
    return this.fired.phase5 !== undefined;
  }

  /** Deadlines apply only to runs opened before the SLA check; a later one is event-driven only. */
  deadlinesApply(): boolean {
    return Date.parse(this.input.openedAt) <= this.at(schedule.slaCheckAt);
  }

  /** Waits for phase 4 (or an operator); past the backup deadline, takes the backup path. */
  async waitForPhase4OrBackup(): Promise<BackupDecision | undefined> {
    const goAhead = () => this.phase4 !== undefined || this.pushed !== undefined;
    if (!this.deadlinesApply()) {
      await wf.condition(goAhead);
      return undefined;
    }
    if (await wf.condition(goAhead, untilAt(this.at(schedule.backupAt)))) return undefined;
    return backupPath(this.gameDate, goAhead, this.input.schedule);
  }

  /** Publishes the predictions start once (a restarted run finds it fired) and tells the date's run. */
  async startPredictions(backup: PredictionsStart | undefined): Promise<void> {
    const { phase4, pushed } = this;
    let { source, players }: PredictionsStart = backup ?? {
      source: 'orchestrator',
      players: { ready: null, total: null },
    };
    if (pushed && !phase4) source = pushed;
    if (source === 'orchestrator' && phase4) players = { ready: phase4.playersReady, total: phase4.playersTotal };
    const start = await fireOnce(
      this.fired,
      'phase5',
      this.backfill,
      pipeline.topics.phase5Start,
      phase5StartTrigger(
        {
          game_date: this.gameDate,
          correlation_id: this.correlationId,
          trigger_source: source,
          upstream_processors_count: pipeline.phase4Levels.flatMap((l) => l.processors).length,
        },
        players,
      ),
      this.input.scope,
    );
    await this.run.signal(stepFiredSignal, start);
  }

  /** At `hhmm`, asks again for the players still missing a prediction (whenever any are). */
  async retryStragglers(index: number, hhmm: string): Promise<void> {
    if (Date.now() >= this.at(hhmm)) return; // started after it: too soon to retry
    await wf.sleep(untilAt(this.at(hhmm)));
    const nextDeadline = this.at(schedule.retryAt[index + 1] ?? schedule.slaCheckAt);
    const missing = await readsUntil(nextDeadline)
      .playersMissingPredictions(this.gameDate)
      .catch((error: unknown) => {
        wf.log.warn('stragglers unknown; retry skipped', {
          game_date: this.gameDate,
          at: hhmm,
          error: failureMessage(error),
        });
        return [];
      });
    if (missing.length === 0) return;
    const attempt = index + 1;
    const retry = await fireOnce(
      this.fired,
      triggerKeys.phase5Retry(attempt),
      this.backfill,
      pipeline.topics.phase5Retry,
      phase5RetryTrigger(
        {
          game_date: this.gameDate,
          correlation_id: this.correlationId,
          trigger_source: 'scheduler',
          upstream_processors_count: 0,
        },
        attempt,
        missing,
      ),
      this.input.scope,
    );
    await this.run.signal(stepFiredSignal, retry);
  }

  async checkSla(): Promise<void> {
    await wf.sleep(untilAt(this.at(schedule.slaCheckAt)));
    await checkSla(this.gameDate, this.correlationId, this.at(schedule.slaCheckAt));
  }

  private at(hhmm: string): number {
    return zonedInstant(this.gameDate, hhmm, schedule.timeZone);
  }
}

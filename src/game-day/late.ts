// A date that closed before stays closed, even after Temporal has forgotten its run: a part of the
// date's run that holds what arrives until the run knows, and ends a run the date should never
// have had (what it received is dead-lettered, nothing is published).
import * as wf from '@temporalio/workflow';
import type { RunHistoryActivities } from '../run-history/activities';
import type { ClosedRun } from '../run-history/run-history';
import type { Completion } from '../messages/completion';
import { workflowIdFor } from '../pipeline/ids';
import { deadLettering, readingUntilItWorks } from '../temporal/activity-options';
import type { RunEventLog } from './events';
import type { PhaseShown } from './shown';
import { isLive, type GameDayOutcome, type GameDayState } from './state';

const { closedRunOf } = wf.proxyActivities<RunHistoryActivities>(readingUntilItWorks);
const { deadLetterCompletions } = wf.proxyActivities<RunHistoryActivities>(deadLettering);

export class LateCheck {
  /** Completions that arrived before the run knew its date had not closed already. */
  private unchecked: Completion[] | undefined;

  constructor(
    private readonly state: GameDayState,
    private readonly events: RunEventLog,
    private readonly shown: PhaseShown,
    /** A continued run was checked when the date first opened; a rerun is deliberate. */
    checked: boolean,
  ) {
    this.unchecked = checked ? undefined : [];
  }

  /** Keeps a completion to dead-letter, should the date turn out to have closed before. */
  hold(completion: Completion): void {
    this.unchecked?.push(completion);
  }

  /** True when the run history says the date closed before (Temporal may have forgotten it). */
  async closedBefore(): Promise<ClosedRun | undefined> {
    if (!this.unchecked) return undefined; // a continued run: checked when the date first opened
    const { gameDate } = this.state;
    // Temporal itself remembers a closed live date; only an older one may have been purged.
    const closed = !isLive(gameDate) ? await closedRunOf(gameDate) : null;
    if (closed) return closed;
    this.unchecked = undefined;
    return undefined;
  }

  /** Ends a run the date should never have had: what it received is dead-lettered, nothing is published. */
  async endAsLate(closed: ClosedRun): Promise<GameDayOutcome> {
    const { state, events } = this;
    const reason = `late: ${workflowIdFor(state.gameDate)} closed (${closed.outcome}, ${closed.closedAt}); a rerun is an explicit command`;
    wf.log.warn('date already closed; its new run ends at once', {
      game_date: state.gameDate,
      closed_at: closed.closedAt,
    });
    state.closed = 'late';
    const late = this.unchecked ?? [];
    for (const completion of late) events.completion(completion, 'rejected', reason);
    events.note({ kind: 'close', detail: { outcome: 'late', closed_before: closed.closedAt } });
    await events.write();
    do {
      await deadLetterCompletions({ completions: late.splice(0), reason });
      await wf.condition(wf.allHandlersFinished);
    } while (late.length > 0);
    this.shown.refresh();
    return 'late';
  }
}

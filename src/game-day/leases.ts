// Processing leases on a date's run (docs/operations.md): two runs of one processor at once write
// duplicate rows. A processor acquires its lease by update before it starts and releases it when done; its
// completion releases it too, and a timer ends it at its TTL. The rules are the pure table in
// src/leases/table.ts; this part of the run applies them to the run's table, and the workflow
// function sets the handlers clients call (src/leases/updates.ts).
import * as wf from '@temporalio/workflow';
import {
  acquire,
  breakLease,
  currentLeases,
  expireLeases,
  nextExpiry,
  release,
  releaseOnCompletion,
  type AcquireOutcome,
  type AcquireRequest,
  type BreakOutcome,
  type BreakRequest,
  type ReleaseOutcome,
  type ReleaseRequest,
} from '../leases/table';
import type { Completion } from '../messages/completion';
import { workflowIdFor } from '../pipeline/ids';
import type { GameDayState } from './state';
import type { LeaseListing } from '../leases/updates';

export class Leases {
  /** The run knows its date had not closed before. */
  private checked = false;
  /** The timer that ends leases at their TTL is running. */
  private expiring = false;

  constructor(private readonly state: GameDayState) {}

  /** Grants the lease if no one holds it; an old date's run first asks whether the date closed before. */
  async acquire(request: AcquireRequest): Promise<AcquireOutcome> {
    const { state } = this;
    // A lease on a date that closed before is none.
    await wf.condition(() => this.checked || state.closed !== undefined);
    if (state.closed) return { granted: false, reason: closedReason(state) };
    const outcome = acquire(state.leases, request, Date.now());
    if (outcome.granted) this.keepExpiring();
    return outcome;
  }

  release(request: ReleaseRequest): ReleaseOutcome {
    return release(this.state.leases, request, Date.now());
  }

  /** An operator's break: ends a lease whoever holds it. */
  break(request: BreakRequest): BreakOutcome {
    const outcome = breakLease(this.state.leases, request, Date.now());
    if (outcome.broken) wf.log.warn('processing lease broken', { game_date: this.state.gameDate, ...outcome.lease });
    return outcome;
  }

  list(): LeaseListing {
    const { leases: table, gameDate } = this.state;
    return { game_date: gameDate, leases: currentLeases(table, Date.now()), broken: table.broken };
  }

  /** The run knows its date had not closed before: acquires waiting for that may be answered. */
  dateChecked(): void {
    this.checked = true;
    // Leases carried across continue-as-new still end at their TTL.
    if (nextExpiry(this.state.leases) !== undefined) this.keepExpiring();
  }

  /** A processor's completion arrived: the run that sent it holds its lease no more. */
  completionArrived(completion: Completion): void {
    const released = releaseOnCompletion(this.state.leases, completion.processor, completion.executionId);
    if (released)
      wf.log.info('processing lease released by completion', { game_date: this.state.gameDate, ...released });
  }

  /** Ends each lease at its TTL, so the table (and what operators see) never shows a dead holder. */
  private keepExpiring(): void {
    if (this.expiring) return;
    this.expiring = true;
    const { leases: table, gameDate } = this.state;
    void (async () => {
      for (;;) {
        const next = nextExpiry(table);
        if (next === undefined) await wf.condition(() => nextExpiry(table) !== undefined);
        else await wf.condition(() => nextExpiry(table) !== next, Math.max(1, next - Date.now()));
        for (const lease of expireLeases(table, Date.now())) {
          wf.log.warn('processing lease expired', { game_date: gameDate, ...lease });
        }
      }
    })();
  }
}

function closedReason(state: GameDayState): string {
  return `${workflowIdFor(state.gameDate)} has closed (${state.closed}): no lease guards its processors any more`;
}

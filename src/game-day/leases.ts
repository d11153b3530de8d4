// Processing leases on a date's run (docs/operations.md): two runs of one processor at once write
// duplicate rows. A processor acquires its lease by update before it starts and releases it when done; its
// completion releases it too, and a timer ends it at its TTL. The rules are the pure table in
// src/leases/table.ts; this module wires them into the run and defines what clients call.
import * as wf from '@temporalio/workflow';
import {
  acquire,
  breakLease,
  currentLeases,
  expireLeases,
  nextExpiry,
  release,
  releaseOnCompletion,
} from '../leases/table';
import { refuseAcquire, refuseBreak, refuseRelease } from '../leases/requests';
import type { Completion } from '../messages/completion';
import { workflowIdFor } from '../pipeline/ids';
import type { GameDayState } from './state';
import { acquireLeaseUpdate, breakLeaseUpdate, leasesQuery, releaseLeaseUpdate } from '../leases/updates';

export interface LeaseHooks {
  /** The run knows its date had not closed before: acquires waiting for that may be answered. */
  dateChecked(): void;
  /** A processor's completion arrived: the run that sent it holds its lease no more. */
  completionArrived(completion: Completion): void;
}

/** Sets the lease handlers on a date's run; the run calls the hooks it returns. */
export function handleLeases(state: GameDayState): LeaseHooks {
  const { leases: table, gameDate } = state;
  let checked = false;
  let expiring = false;

  /** Ends each lease at its TTL, so the table (and what operators see) never shows a dead holder. */
  const keepExpiring = () => {
    if (expiring) return;
    expiring = true;
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
  };

  wf.setHandler(
    acquireLeaseUpdate,
    async (request) => {
      // An old date's run first asks whether the date closed before; a lease on a date that did is none.
      await wf.condition(() => checked || state.closed !== undefined);
      if (state.closed) return { granted: false, reason: closedReason(gameDate, state) };
      const outcome = acquire(table, request, Date.now());
      if (outcome.granted) keepExpiring();
      return outcome;
    },
    { validator: rejectIf(refuseAcquire) },
  );
  wf.setHandler(releaseLeaseUpdate, (request) => release(table, request, Date.now()), {
    validator: rejectIf(refuseRelease),
  });
  wf.setHandler(
    breakLeaseUpdate,
    (request) => {
      const outcome = breakLease(table, request, Date.now());
      if (outcome.broken) wf.log.warn('processing lease broken', { game_date: gameDate, ...outcome.lease });
      return outcome;
    },
    { validator: rejectIf(refuseBreak) },
  );
  wf.setHandler(leasesQuery, () => ({
    game_date: gameDate,
    leases: currentLeases(table, Date.now()),
    broken: table.broken,
  }));

  return {
    dateChecked() {
      checked = true;
      // Leases carried across continue-as-new still end at their TTL.
      if (nextExpiry(table) !== undefined) keepExpiring();
    },
    completionArrived(completion) {
      const released = releaseOnCompletion(table, completion.processor, completion.executionId);
      if (released) wf.log.info('processing lease released by completion', { game_date: gameDate, ...released });
    },
  };
}

function closedReason(gameDate: string, state: GameDayState): string {
  return `${workflowIdFor(gameDate)} has closed (${state.closed}): no lease guards its processors any more`;
}

/** An update validator from a check that says why it refuses. */
function rejectIf<T>(check: (request: T) => string | undefined): (request: T) => void {
  return (request) => {
    const refused = check(request);
    if (refused) throw new Error(refused);
  };
}

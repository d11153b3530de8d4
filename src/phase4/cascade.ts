// Phase 4 as a cascade, one child run per slate date: level 1 is triggered when the results of the
// previous game date are handed over; each later level when every level before it is complete.
// After level 3, phase 4 is done. What the cascade knows and its steps live in `Phase4Cascade`.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';
import { searchable } from '../temporal/search-attributes';
import { backfillSignal, completionSignal, pushLevelSignal } from '../date-run/signals';
import { Phase4Cascade, type Phase4CascadeInput } from './run';

export type { Phase4CascadeInput } from './run';

export async function phase4CascadeWorkflow(input: Phase4CascadeInput): Promise<void> {
  const cascade = new Phase4Cascade(input);
  searchable(input.gameDate, input.correlationId, 'phase4');
  wf.setHandler(completionSignal, (completion) => cascade.receive(completion));
  wf.setHandler(backfillSignal, () => cascade.backfillRequested());
  wf.setHandler(pushLevelSignal, (push) => cascade.pushedOn(push));

  for (const level of pipeline.phase4Levels) {
    await cascade.fire(level);
    // Nothing is in flight while it waits, so a long history (a processor re-running) continues as new here.
    if (!(await cascade.waitForLevel(level.level))) {
      await wf.condition(wf.allHandlersFinished);
      return wf.continueAsNew<typeof phase4CascadeWorkflow>(cascade.carried());
    }
  }
  await cascade.reportDone();
}

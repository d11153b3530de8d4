// When a run's history is long enough to continue as new with its state.
import * as wf from '@temporalio/workflow';
import { pipeline } from '../pipeline/definition';

export function historyTooLong(limit: number = pipeline.lifetime.continueAsNewAfterEvents): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

// The phase 5 → 6 gate, the rule of the phase5-to-phase6 Cloud Function it replaces: which
// prediction completions may start the exports. Pure.
import type { Completion } from '../messages/completion';
import { pipeline } from '../pipeline/definition';

export type Phase6Verdict =
  | { accepted: true; batchId: string | null; predictions: number | null; completionPct: number }
  | { accepted: false; reason: string };

export function phase6Verdict(completion: Completion): Phase6Verdict {
  const gate = pipeline.phase6Gate;
  if (!(gate.acceptedStatuses as readonly string[]).includes(completion.status)) {
    return { accepted: false, reason: `status ${completion.status} is not one of ${gate.acceptedStatuses.join(', ')}` };
  }
  const pct = completion.metadata?.completion_pct;
  if (typeof pct !== 'number') return { accepted: false, reason: 'metadata.completion_pct is missing' };
  if (pct < gate.minCompletionPct) {
    return { accepted: false, reason: `completion_pct ${pct} is under the ${gate.minCompletionPct}% minimum` };
  }
  const batchId = completion.metadata?.batch_id;
  const completed = completion.metadata?.completed_predictions;
  return {
    accepted: true,
    batchId: typeof batchId === 'string' ? batchId : completion.executionId,
    predictions: typeof completed === 'number' ? completed : (completion.recordCount ?? null),
    completionPct: pct,
  };
}

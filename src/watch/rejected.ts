// Completions the bridge rejected for what they were (invalid, from the future, oversized): read from
// the dead-letter review subscription without consuming it. Reconcile never hands one of these over
// from the run history: the message was refused on purpose, and a synthesised completion would undo that.
import type { PubSub } from '@google-cloud/pubsub';
import { deadLetterAttributes } from '../messages/dead-letter';
import { peekDeadLetters } from './dead-letter-review';

/** Reasons that say the message itself was refused (not a transient failure, not a closed date). */
const refusedReasons = ['invalid:', 'future:', 'oversized:'];

/** True when a dead letter's reason says the bridge refused the message for what it was. */
export const refusedByBridge = (reason: string): boolean => refusedReasons.some((r) => reason.startsWith(r));

/** What a refused letter names, as far as its bytes can be read: the execution id, or processor and date. */
export interface RefusedCompletion {
  executionId?: string;
  processor?: string;
  gameDate?: string;
  reason: string;
}

/** Pure: what a dead letter's bytes say about the completion, when it was refused. */
export function refusedCompletionOf(data: Buffer | string, reason: string): RefusedCompletion | undefined {
  if (!refusedByBridge(reason)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data.toString());
  } catch {
    return { reason };
  }
  if (parsed === null || typeof parsed !== 'object') return { reason };
  const fields = parsed as Record<string, unknown>;
  const text = (key: string) => (typeof fields[key] === 'string' ? fields[key] : undefined);
  const executionId = text('execution_id');
  const processor = text('processor_name');
  const gameDate = text('game_date') ?? text('data_date');
  return {
    reason,
    ...(executionId ? { executionId } : {}),
    ...(processor ? { processor } : {}),
    ...(gameDate ? { gameDate } : {}),
  };
}

/** The refused completions in the review subscription, read without consuming them. */
export async function refusedCompletions(pubsub: PubSub): Promise<RefusedCompletion[]> {
  return (await peekDeadLetters(pubsub)).flatMap((message) => {
    const reason = message.attributes?.[deadLetterAttributes.reason] ?? '';
    return refusedCompletionOf(Buffer.from(message.data ?? ''), reason) ?? [];
  });
}

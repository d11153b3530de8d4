// Completions the bridge rejected for what they were (invalid, from the future, oversized): read from
// the dead-letter review subscription without consuming it. Reconcile never hands one of these over
// from the run history: the message was refused on purpose, and a synthesised completion would undo that.
import { v1, type PubSub } from '@google-cloud/pubsub';
import { deadLetterAttributes } from '../messages/dead-letter';
import { deadLetterReviewSubscription } from '../pipeline/ids';

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

/** The refused completions in the review subscription; messages are handed straight back (ack deadline 0). */
export async function refusedCompletions(pubsub: PubSub): Promise<RefusedCompletion[]> {
  const { port, ...options } = pubsub.options;
  const subscriber = new v1.SubscriberClient({ ...options, port: port === undefined ? undefined : Number(port) });
  const subscription = `projects/${pubsub.projectId}/subscriptions/${deadLetterReviewSubscription}`;
  const seen = new Set<string>();
  const refused: RefusedCompletion[] = [];
  try {
    for (let round = 0; round < 20; round += 1) {
      const [response] = await subscriber.pull({ subscription, maxMessages: 1000 }, { timeout: 10_000 });
      const received = response.receivedMessages ?? [];
      const ackIds = received.map((m) => m.ackId).filter((id): id is string => !!id);
      let fresh = 0;
      for (const { message } of received) {
        const id = message?.messageId ?? '';
        if (seen.has(id)) continue;
        seen.add(id);
        fresh += 1;
        const reason = message?.attributes?.[deadLetterAttributes.reason] ?? '';
        const letter = refusedCompletionOf(Buffer.from(message?.data ?? ''), reason);
        if (letter) refused.push(letter);
      }
      if (ackIds.length > 0) await subscriber.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: 0 });
      if (fresh === 0) break;
    }
  } finally {
    await subscriber.close();
  }
  return refused;
}

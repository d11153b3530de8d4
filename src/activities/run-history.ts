// The run history the game-day run reads and writes: closes, and what a late run dead-letters.
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import { closedRunOf, recordRunClosed, type ClosedRun } from '../bigquery/run-history';
import { deadLetterAttributes } from '../bridge/dead-letter';
import { log } from '../log';
import type { Completion } from '../messages/completion';
import { phaseDefinition, pipeline } from '../pipeline/definition';

export type { ClosedRun } from '../bigquery/run-history';

export interface LateCompletions {
  completions: Completion[];
  reason: string;
}

export function createRunHistoryActivities(bigquery: BigQuery, pubsub: PubSub) {
  const deadLetters = pubsub.topic(pipeline.topics.deadLetter, { batching: { maxMessages: 1 } });
  return {
    /** How the date's run closed before, if it ever did. */
    closedRunOf: (gameDate: string): Promise<ClosedRun | null> => closedRunOf(bigquery, gameDate),

    recordRunClosed: async (run: ClosedRun): Promise<void> => {
      await recordRunClosed(bigquery, run);
      log.info({ game_date: run.gameDate, run_id: run.runId, outcome: run.outcome }, 'run close recorded');
    },

    /**
     * Completions a run received for a date that had already closed. The bridge handed over the
     * parsed completion, so the dead letter carries it as JSON rather than the original bytes.
     */
    deadLetterCompletions: async ({ completions, reason }: LateCompletions): Promise<void> => {
      for (const completion of completions) {
        await deadLetters.publishMessage({
          json: completion,
          attributes: {
            [deadLetterAttributes.reason]: reason,
            [deadLetterAttributes.sourceTopic]: phaseDefinition(completion.phase).completionTopic ?? '',
            [deadLetterAttributes.sourceMessageId]: completion.executionId,
            [deadLetterAttributes.receivedAt]: new Date().toISOString(),
          },
        });
        log.warn({ game_date: completion.gameDate, processor: completion.processor, reason }, 'completion dead-lettered');
      }
    },
  };
}

// The run history the game-day run reads and writes: closes, and what a late run dead-letters.
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub } from '@google-cloud/pubsub';
import { recordRunEvents } from './run-events';
import { closedRunOf, recordRunClosed, type ClosedRun } from './run-history';
import type { RunEvent } from '../messages/run-event';
import { deadLetterAttributes } from '../messages/dead-letter';
import { Context } from '@temporalio/activity';
import { log } from '../platform/log';
import { PUBLISH_TIMEOUT_MS } from '../triggers/publish';
import { completionMessage, type Completion } from '../messages/completion';
import { phaseDefinition, pipeline } from '../pipeline/definition';

export type { ClosedRun } from './run-history';

export interface LateCompletions {
  completions: Completion[];
  reason: string;
}

export function createRunHistoryActivities(bigquery: BigQuery, pubsub: PubSub) {
  // Below the activity's timeout, like trigger publishes: a retry never overlaps a publish in flight.
  const deadLetters = pubsub.topic(pipeline.topics.deadLetter, {
    batching: { maxMessages: 1 },
    gaxOpts: { timeout: PUBLISH_TIMEOUT_MS },
  });
  return {
    /** How the date's run closed before, if it ever did. */
    closedRunOf: (gameDate: string): Promise<ClosedRun | null> => closedRunOf(bigquery, gameDate),

    recordRunClosed: async (run: ClosedRun): Promise<void> => {
      await recordRunClosed(bigquery, run);
      log.info({ game_date: run.gameDate, run_id: run.runId, outcome: run.outcome }, 'run close recorded');
    },

    /** A batch of the run's events; written once however often it is retried. */
    recordRunEvents: async (events: RunEvent[]): Promise<void> => {
      await recordRunEvents(bigquery, events);
      log.debug({ game_date: events[0]?.gameDate, events: events.length }, 'run events recorded');
    },

    /**
     * Completions a run received for a date that had already closed. The bridge handed over the
     * parsed completion, so the dead letter carries it rendered back into the format processors
     * publish (a replay parses it as it did the first time) and names its execution id (the run
     * never saw the Pub/Sub message id).
     */
    deadLetterCompletions: async ({ completions, reason }: LateCompletions): Promise<void> => {
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), 2_000);
      try {
        const published = Promise.all(
          completions.map((completion) =>
            deadLetters.publishMessage({
              json: completionMessage(completion),
              attributes: {
                [deadLetterAttributes.reason]: reason,
                [deadLetterAttributes.sourceTopic]: phaseDefinition(completion.phase).completionTopic ?? '',
                source_execution_id: completion.executionId,
                [deadLetterAttributes.receivedAt]: new Date().toISOString(),
              },
            }),
          ),
        );
        await Promise.race([published, context.cancelled]);
      } finally {
        clearInterval(heartbeat);
      }
      for (const completion of completions) {
        log.warn(
          { game_date: completion.gameDate, processor: completion.processor, reason },
          'completion dead-lettered',
        );
      }
    },
  };
}

export type RunHistoryActivities = ReturnType<typeof createRunHistoryActivities>;

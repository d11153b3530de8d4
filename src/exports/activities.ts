// Phase 6 I/O: run an export type's query, write its JSON where the website reads it, report the
// export run on Pub/Sub. Clients are built once and injected.
import type { BigQuery } from '@google-cloud/bigquery';
import type { PubSub, Topic } from '@google-cloud/pubsub';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Row } from '../platform/bigquery';
import { exportQueries, runExportQuery } from './queries';
import { log } from '../platform/log';
import { isCalendarDate } from '../time';
import { exportCompleteAttributes, type ExportComplete } from '../messages/export-message';
import { pipeline } from '../pipeline/definition';
import {
  defaultMinGames,
  exportDefinitions,
  exportPaths,
  type ExportQueryKey,
  type ExportType,
} from '../pipeline/exports';
import type { ExportStorage } from './storage';

export interface ExportActivityClients {
  bigquery: BigQuery;
  pubsub: PubSub;
  storage: ExportStorage;
}

export interface ExportRun {
  exportType: ExportType;
  /** YYYY-MM-DD: the workflow has resolved `today`/`yesterday`. */
  targetDate: string;
  updateLatest: boolean;
  minGames?: number;
}

export interface ExportWritten {
  exportType: ExportType;
  /** Object paths (`v1/...`), the same wherever the storage is. */
  paths: string[];
  rowCount: number;
}

/** The JSON document every export writes. */
export interface ExportDocument {
  generated_at: string;
  target_date: string;
  export_type: ExportType;
  row_count: number;
  rows: Row[];
}

// Every export type must have its query in the BigQuery layer: a missing one fails to compile here.
const queryFor: Record<ExportQueryKey, string> = exportQueries;

export function createExportActivities(clients: ExportActivityClients) {
  const { bigquery, pubsub, storage } = clients;
  const completeTopic: Topic = pubsub.topic(pipeline.topics.phase6ExportComplete, { batching: { maxMessages: 1 } });

  return {
    /** Idempotent: a retry rewrites the same paths with a fresh document. */
    async runExport({ exportType, targetDate, updateLatest, minGames }: ExportRun): Promise<ExportWritten> {
      const definition = exportDefinitions[exportType];
      if (!definition) throw invalid(`unknown export type ${String(exportType)}`);
      if (!isCalendarDate(targetDate)) throw invalid(`target date must be YYYY-MM-DD, got "${targetDate}"`);

      // The query and uploads can take minutes: heartbeats let a cancellation (a worker shutting
      // down, the run cancelled) reach it.
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), 5_000);
      try {
        const rows = await runExportQuery(bigquery, queryFor[definition.query], {
          target_date: targetDate,
          min_games: minGames ?? defaultMinGames,
        });
        const document: ExportDocument = {
          generated_at: new Date().toISOString(),
          target_date: targetDate,
          export_type: exportType,
          row_count: rows.length,
          rows,
        };
        const paths = exportPaths(exportType, targetDate, updateLatest);
        // Dated copy first: `latest` never points ahead of what the dated copy says.
        for (const objectPath of paths) await storage.write(objectPath, document);
        log.info(
          { export_type: exportType, target_date: targetDate, rows: rows.length, paths, storage: storage.location },
          'export written',
        );
        return { exportType, paths, rowCount: rows.length };
      } finally {
        clearInterval(heartbeat);
      }
    },

    /** Returns once Pub/Sub has confirmed the message. */
    async publishExportComplete(message: ExportComplete): Promise<string> {
      const messageId = await completeTopic.publishMessage({
        json: message,
        attributes: exportCompleteAttributes(message),
      });
      log.info(
        {
          topic: pipeline.topics.phase6ExportComplete,
          trigger_id: message.trigger_id,
          target_date: message.target_date,
          status: message.status,
          correlation_id: message.correlation_id,
          message_id: messageId,
        },
        'export complete published',
      );
      return messageId;
    },
  };
}

export type ExportActivities = ReturnType<typeof createExportActivities>;

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, 'InvalidExportRequest');
}

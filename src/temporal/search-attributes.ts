// Custom search attributes every game-day run carries; registered on the dev server at start-up.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import * as wf from '@temporalio/workflow';

export const CorrelationId = defineSearchAttributeKey('CorrelationId', SearchAttributeType.KEYWORD);
export const GameDate = defineSearchAttributeKey('GameDate', SearchAttributeType.KEYWORD);
export const PipelinePhase = defineSearchAttributeKey('PipelinePhase', SearchAttributeType.KEYWORD);
export const BackfillMode = defineSearchAttributeKey('BackfillMode', SearchAttributeType.BOOL);

/** For `temporal server start-dev --search-attribute` and test environments. */
export const searchAttributeDefinitions = {
  CorrelationId: 'Keyword',
  GameDate: 'Keyword',
  PipelinePhase: 'Keyword',
  BackfillMode: 'Bool',
} as const;

/**
 * Makes a child of the date findable in the Web UI like the date's run: by date, phase and
 * correlation id, with a one-line summary of what it is.
 */
export function searchable(gameDate: string, correlationId: string | null, phase: string): void {
  findableBy(gameDate, correlationId, phase);
  wf.setCurrentDetails(`${phase} of ${gameDate}${correlationId ? ` (correlation ${correlationId})` : ''}`);
}

/** Sets the run's date, phase and (when known) correlation id, what the Web UI searches by. */
export function findableBy(gameDate: string, correlationId: string | null, phase: string): void {
  wf.upsertSearchAttributes([
    { key: GameDate, value: gameDate },
    { key: PipelinePhase, value: phase },
    ...(correlationId ? [{ key: CorrelationId, value: correlationId }] : []),
  ]);
}

/** The summary line the Web UI shows for a date's run, however it was started. */
export function gameDaySummary(gameDate: string): string {
  return `Game day ${gameDate}: every completion, each trigger once`;
}

// Custom search attributes every game-day run carries; registered on the dev server at start-up.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

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

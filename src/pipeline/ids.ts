// Workflow ids and trigger ids: the one place that spells them. Workflows, the bridge, the CLI, the
// simulator and tests all build ids here. Pure module: imported by workflows, so no Node built-ins.
import type { ExportSet } from './exports';

/** Workflow ids of a date's run start with this; the rest is the game date. */
export const gameDayWorkflowIdPrefix = 'game-day-';

/** The one run per game date: `game-day-<date>`. */
export function workflowIdFor(gameDate: string): string {
  return `${gameDayWorkflowIdPrefix}${gameDate}`;
}

/** The date's phase 4 cascade child: `game-day-<date>/phase4`. */
export const phase4CascadeWorkflowId = (gameDate: string): string => `${workflowIdFor(gameDate)}/phase4`;

/** The date's phase 5 child: `game-day-<date>/phase5` (a restart appends `/restart-<n>`). */
export const phase5WorkflowId = (gameDate: string): string => `${workflowIdFor(gameDate)}/phase5`;

/** A phase 6 export run for a target date and export set: `export-<date>-<set>`. */
export function exportWorkflowIdFor(targetDate: string, set: ExportSet): string {
  return `export-${targetDate}-${set}`;
}

/** Keys of the steps that publish a trigger, one per date: they end each trigger id. */
export const triggerKeys = {
  phase3: 'phase3',
  phase4Level: (level: number): string => `phase4/${level}`,
  phase5: 'phase5',
  phase5Retry: (attempt: number): string => `phase5/retry/${attempt}`,
  phase6: 'phase6',
  /** The n-th re-export for a better prediction batch than the last one exported. */
  phase6Better: (n: number): string => `phase6/better-${n}`,
} as const;

/** Stable per date and step, so consumers can dedupe a republished trigger. */
export function triggerIdFor(workflowId: string, key: string): string {
  return `${workflowId}/${key}`;
}

/** The trigger id a date's step publishes with: `game-day-<date>/<key>`. */
export function gameDayTriggerId(gameDate: string, key: string): string {
  return triggerIdFor(workflowIdFor(gameDate), key);
}

/** A rerun's part of its trigger and child ids: `rerun-<n>` (DESIGN.md, "Identity"). */
export function rerunScope(attempt: number): string {
  return `rerun-${attempt}`;
}

/** A child of the date's run, in a rerun's scope when there is one: `game-day-<date>[/rerun-<n>]/<key>`. */
export function gameDayChildId(gameDate: string, key: string, scope?: string): string {
  return `${workflowIdFor(gameDate)}/${scope ? `${scope}/` : ''}${key}`;
}

/** A backfill run: `backfill-<from>-<to>-<started, compact UTC>`, e.g. `backfill-2025-01-01-2025-01-31-20260126T051500Z`. */
export function backfillWorkflowIdFor(from: string, to: string, startedAt: Date): string {
  const stamp = startedAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `backfill-${from}-${to}-${stamp}`;
}

/**
 * A backfill's trigger for a date: `game-day-<date>/<backfill id>/<key>`. New for each backfill, so
 * consumers that deduped an earlier run's triggers of the date act on it; stable across retries.
 */
export function backfillTriggerId(backfillId: string, gameDate: string, key: string): string {
  return triggerIdFor(workflowIdFor(gameDate), `${backfillId}/${key}`);
}

/** The orchestrator's subscription on one of the topics the bridge consumes. */
export const subscriptionFor = (topic: string): string => `${topic}-orchestrator`;

/** Where dead letters wait for an operator (ensureTopology creates it). */
export const deadLetterReviewSubscription = 'nba-orchestrator-dead-letter-review';

/** The workflow type of a date's run (its function's name in src/game-day/workflow.ts). */
export const gameDayWorkflowType = 'gameDayWorkflow';

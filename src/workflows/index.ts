// Workflow bundle entry: re-exports workflows only.
export { gameDayWorkflow } from './game-day';
export { phase4CascadeWorkflow } from './phase4-cascade';
export { phase5Workflow } from './phase5';
export { exportWorkflow } from './export';
export { openGameDayWorkflow, scheduledExportWorkflow } from './scheduled';
export { backfillWorkflow } from './backfill';
export { alertWorkflow } from './alert';
export { deadLetterBurstsWorkflow } from './dead-letter-bursts';
export { healthWorkflow, reconcileWorkflow } from './watch';

// Workflow bundle entry: re-exports workflows only.
export { gameDayWorkflow } from '../game-day/workflow';
export { phase4CascadeWorkflow } from '../phase4/cascade';
export { phase5Workflow } from '../phase5/workflow';
export { exportWorkflow } from '../exports/workflow';
export { openGameDayWorkflow, scheduledExportWorkflow } from '../exports/scheduled';
export { backfillWorkflow } from '../backfill/workflow';
export { alertWorkflow } from '../alerts/workflow';
export { deadLetterBurstsWorkflow } from '../alerts/dead-letter-bursts';
export { healthWorkflow, reconcileWorkflow } from '../watch/workflow';

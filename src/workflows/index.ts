// Workflow bundle entry: re-exports workflows only.
export { gameDayWorkflow } from './game-day';

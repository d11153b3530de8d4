// What the Web UI shows of a date's run, a part the run holds: the PipelinePhase search attribute
// (what the run waits on) and the run's one line of details. Refreshed after each step; written
// only when it changed, so a storm of duplicates upserts nothing.
import * as wf from '@temporalio/workflow';
import { waitingOnOf } from '../date-run/status';
import { PipelinePhase } from '../temporal/search-attributes';
import type { GameDayState } from './state';

export class PhaseShown {
  /** The phase waited on, and the whole line, as last shown. */
  private phase = '';
  private shown = '';

  constructor(private readonly state: GameDayState) {}

  refresh(): void {
    const { state } = this;
    const phase = waitingOnOf(state);
    const ids = [
      state.correlationId ? `results ${state.correlationId}` : '',
      state.slateCorrelationId ? `slate ${state.slateCorrelationId}` : '',
    ].filter(Boolean);
    const shown = `${phase} ${ids.join(' ')}`;
    if (shown === this.shown) return;
    if (phase !== this.phase) wf.upsertSearchAttributes([{ key: PipelinePhase, value: phase }]);
    this.phase = phase;
    this.shown = shown;
    // The Web UI's one line about the run, with both correlation ids (the search attribute holds one).
    const rerun = state.rerun ? ` (rerun ${state.rerun.attempt})` : '';
    const correlation = ids.length > 0 ? ` · correlation ${ids.join(', ')}` : '';
    wf.setCurrentDetails(
      `Game day ${state.gameDate}${rerun}: ${phase === 'closed' ? 'closed' : `waiting on ${phase}`}${correlation}`,
    );
  }
}

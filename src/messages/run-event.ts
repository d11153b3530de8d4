// One row of the run history's events (`nba_orchestration.game_day_events`): built by the workflows
// (pure, no Node imports), written by an activity, read back by the CLI.

export type RunEventKind = 'completion' | 'trigger' | 'command' | 'alert' | 'close';

/** What became of a completion the date's run received. */
export type CompletionVerdict = 'accepted' | 'duplicate' | 'rejected';

export interface RunEvent {
  /** Deterministic: `<workflow id>/<first run id>/<sequence>`, so a retried write is recognised. */
  eventId: string;
  gameDate: string;
  correlationId: string | null;
  kind: RunEventKind;
  phase?: string | null;
  processor?: string | null;
  triggerId?: string | null;
  triggerSource?: string | null;
  at: string;
  detail?: Record<string, unknown>;
}

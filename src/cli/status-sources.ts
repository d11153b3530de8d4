// Where `pipeline status` gets its answer: the live run's query first; when the run has closed,
// was purged or no worker answers, the run history (BigQuery, status-history.ts) and Temporal's describe.
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { errorMessage } from '../platform/errors';
import { workflowIdFor } from '../pipeline/ids';
import { statusQuery } from '../date-run/status';
import { PipelinePhase } from '../temporal/search-attributes';
import { notStartedStatus, type GameDayStatus } from '../date-run/status';
import { describeRun, webUiLink } from './operator';

/** `live`: the run answered its query. `run-history`: rebuilt from BigQuery's events. `temporal`: describe only. */
export type StatusSourceName = 'live' | 'run-history' | 'temporal' | 'none';

export interface SourcedStatus extends GameDayStatus {
  source: StatusSourceName;
  /** Why the live answer was not used, when it was not. */
  source_note?: string;
  temporal_status?: string;
  web_ui: string;
}

/** How long the live run may take to answer before the fallbacks are asked. */
const queryDeadlineMs = 5_000;

/** Reads the date's status from the run history; loaded only when the live run does not answer. */
export type RunHistoryReader = (date: string) => Promise<GameDayStatus | undefined>;

export async function statusFromAnywhere(
  client: Client,
  date: string,
  fromRunHistory?: RunHistoryReader,
): Promise<SourcedStatus> {
  const web_ui = webUiLink(workflowIdFor(date));
  // Both at once: the answer usually comes from the query, and waiting for the describe first doubles the wait.
  const [run, live] = await Promise.all([
    describeRun(client, date),
    client
      .withDeadline(Date.now() + queryDeadlineMs, () =>
        client.workflow.getHandle(workflowIdFor(date)).query(statusQuery),
      )
      .then(
        (status) => ({ status }),
        (error: unknown) => ({ unanswered: errorMessage(error).split('\n')[0] }),
      ),
  ]);
  if (run && 'status' in live) return { ...live.status, source: 'live', temporal_status: run.status.name, web_ui };
  const note = !run
    ? 'Temporal has no run for the date (never ran, or past its retention)'
    : `the run did not answer its query (${'unanswered' in live ? live.unanswered : ''}): is a worker up?`;
  const fromHistory = fromRunHistory ? await fromRunHistory(date).catch(() => undefined) : undefined;
  if (fromHistory) return { ...fromHistory, source: 'run-history', source_note: note, ...temporalOf(run), web_ui };
  if (run)
    return { ...statusFromDescribe(date, run), source: 'temporal', source_note: note, ...temporalOf(run), web_ui };
  return { ...notStartedStatus(date), source: 'none', source_note: note, web_ui };
}

const temporalOf = (run: WorkflowExecutionDescription | undefined) => (run ? { temporal_status: run.status.name } : {});

/** All Temporal can say without a worker: whether the run is open, and the phase it last showed. */
function statusFromDescribe(date: string, run: WorkflowExecutionDescription): GameDayStatus {
  const phase = run.typedSearchAttributes.get(PipelinePhase);
  return { ...notStartedStatus(date), waiting_on: phase ?? run.status.name.toLowerCase() };
}

/** The live run's status by its query; a date with no run is not started. */
export async function readStatus(client: Client, gameDate: string): Promise<GameDayStatus> {
  try {
    return await client.workflow.getHandle(workflowIdFor(gameDate)).query(statusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return notStartedStatus(gameDate);
    throw error;
  }
}

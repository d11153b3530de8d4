// `pipeline complete --date D --processor NAME --reason TEXT`: count a processor as complete
// (docs/operations.md); the run's normal rules decide what fires.
import type { Client } from '@temporalio/client';
import { Command } from 'commander';
import {
  manualCompletionUpdate,
  refuseCompletion,
  type CompletionOutcome,
  type ManualCompletion,
} from '../date-run/commands';
import { commandOpenRun, gameDate, reasonText, UsageError, whoAsked } from './operator';
import type { OperatorCommandDeps } from './trigger';

export async function completeProcessor(
  client: Client,
  date: string,
  request: ManualCompletion,
): Promise<CompletionOutcome> {
  const refused = refuseCompletion(request);
  if (refused) throw new UsageError(refused);
  return commandOpenRun(client, date, manualCompletionUpdate, request);
}

export function completeCommand(deps: OperatorCommandDeps): Command {
  return new Command('complete')
    .description('count a processor as complete for a date; the normal rules decide what fires')
    .requiredOption('--date <date>', 'game date, YYYY-MM-DD', gameDate)
    .requiredOption('--processor <name>', 'processor name, as in src/pipeline/definition.ts')
    .requiredOption('--reason <text>', 'why (recorded with the command)', reasonText)
    .option('--json', 'print the outcome as JSON')
    .action(async (options: { date: string; processor: string; reason: string; json?: boolean }) => {
      const request = { processor: options.processor, reason: options.reason, requestedBy: whoAsked() };
      const refused = refuseCompletion(request); // before Temporal is asked
      if (refused) throw new UsageError(refused);
      const outcome = await deps.withTemporal((client) => completeProcessor(client, options.date, request));
      if (options.json) console.log(JSON.stringify(outcome, null, 2));
      else
        console.log(
          outcome.counted
            ? `${outcome.processor} (${outcome.phase}) counted as complete for ${options.date}; see pipeline status ${options.date}`
            : `${outcome.processor} (${outcome.phase}) had already counted for ${options.date}: nothing changed`,
        );
    });
}

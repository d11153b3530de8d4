// `pipeline trigger <phase> --date D [--level N] --reason TEXT [--again]`: fire a phase's trigger
// now, even with processors missing, once (`trigger_source: "manual"`).
import type { Client } from '@temporalio/client';
import { Command, InvalidArgumentError, Option } from 'commander';
import { workflowIdFor } from '../pipeline/ids';
import { manualTriggerUpdate, refuseTrigger, type ManualTrigger, type TriggerOutcome } from '../date-run/commands';
import { commandOpenRun, gameDate, reasonText, triggerablePhase, UsageError, webUiLink, whoAsked } from './operator';

export interface OperatorCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
}

export async function triggerPhase(client: Client, date: string, request: ManualTrigger): Promise<TriggerOutcome> {
  const refused = refuseTrigger(request);
  if (refused) throw new UsageError(refused);
  return commandOpenRun(client, date, manualTriggerUpdate, request);
}

export function renderTriggerOutcome(date: string, o: TriggerOutcome): string {
  const what = `${o.key} of ${date}`;
  if (o.outcome === 'already-fired') {
    return `${what} had already fired at ${o.firedAt} (${o.triggerId}, trigger_source ${o.source ?? 'orchestrator'}): nothing published. --again fires it once more.`;
  }
  if (o.outcome === 'skipped') return `${what} recorded as skipped (the date is a backfill): nothing published`;
  return `${what} fired at ${o.firedAt}: ${o.triggerId} (trigger_source manual)\n${webUiLink(workflowIdFor(date))}`;
}

export function triggerCommand(deps: OperatorCommandDeps): Command {
  return new Command('trigger')
    .description("fire a phase's trigger now for a date, even with processors missing (once)")
    .argument('<phase>', 'phase3 | phase4 | phase5 | phase6 (or 3–6)', triggerablePhase)
    .requiredOption('--date <date>', 'game date, YYYY-MM-DD', gameDate)
    .addOption(new Option('--level <n>', 'phase 4 level (default: the next one)').argParser(level))
    .requiredOption('--reason <text>', 'why (recorded with the command)', reasonText)
    .option('--again', 'fire once more although it fired already (a trigger id of its own)')
    .option('--json', 'print the outcome as JSON')
    .action(
      async (
        phase: ManualTrigger['phase'],
        options: { date: string; level?: number; reason: string; again?: boolean; json?: boolean },
      ) => {
        const request: ManualTrigger = {
          phase,
          reason: options.reason,
          requestedBy: whoAsked(),
          ...(options.level === undefined ? {} : { level: options.level }),
          ...(options.again ? { again: true } : {}),
        };
        const refused = refuseTrigger(request); // before Temporal is asked
        if (refused) throw new UsageError(refused);
        const outcome = await deps.withTemporal((client) => triggerPhase(client, options.date, request));
        console.log(options.json ? JSON.stringify(outcome, null, 2) : renderTriggerOutcome(options.date, outcome));
      },
    );
}

function level(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a phase 4 level (1, 2, 3), got "${value}"`);
  return n;
}

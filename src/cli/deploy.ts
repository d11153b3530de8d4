// `pipeline deploy status|ramp|promote|rollback`: rolling a new build of the worker out beside the
// old one with Worker Versioning. The first build needs none of it (its worker makes itself current).
import type { Client } from '@temporalio/client';
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import type * as WorkerDeployment from '../deploy/worker-deployment';
import type { DeploymentState } from '../deploy/worker-deployment';
import { UsageError } from './usage';

export interface DeployCommandDeps {
  withTemporal: <T>(run: (client: Client) => Promise<T>) => Promise<T>;
  deploymentName: () => string;
}

/** Runs a deployment change, turning a refusal the operator can fix into bad usage (exit 2). */
async function change<T>(run: (module: typeof WorkerDeployment) => Promise<T>): Promise<T> {
  const module = await import('../deploy/worker-deployment');
  try {
    return await run(module);
  } catch (error) {
    if (error instanceof module.DeployRefused) throw new UsageError(error.message);
    throw error;
  }
}

export function addDeployCommand(program: Command, deps: DeployCommandDeps): void {
  const deploy = program
    .command('deploy')
    .description('roll a new worker build out with Worker Versioning: status, ramp, promote, rollback')
    .enablePositionalOptions();

  deploy
    .command('status')
    .description('which build takes new runs (current, ramping) and how many runs each build still has open')
    .option('--json', 'print the state as JSON')
    .action(async (options: { json?: boolean }) => {
      const name = deps.deploymentName();
      const state = await deps.withTemporal(async (client) =>
        (await import('../deploy/worker-deployment')).deploymentState(client, name),
      );
      if (!state) throw new UsageError(`deployment ${name} does not exist yet: no versioned worker has polled`);
      console.log(options.json ? JSON.stringify(state, null, 2) : renderDeployment(state));
    });

  deploy
    .command('ramp')
    .description(
      'send a share of new runs to a build (its workers must be running); the rest stay on the current build',
    )
    .argument('<build-id>', "the new build's id (its image tag)")
    .argument('<percent>', 'share of new runs, 0-100', percent)
    .action(async (buildId: string, percentage: number) => {
      const deploymentName = deps.deploymentName();
      await deps.withTemporal((client) => change((m) => m.rampBuild(client, { deploymentName, buildId }, percentage)));
      console.log(`${percentage}% of new runs go to ${buildId}; open runs stay on their builds`);
    });

  deploy
    .command('promote')
    .description('make a build current: every new run starts on it; open runs finish on the build they started on')
    .argument('<build-id>', "the new build's id (its image tag)")
    .action(async (buildId: string) => {
      const deploymentName = deps.deploymentName();
      await deps.withTemporal((client) => change((m) => m.promoteBuild(client, { deploymentName, buildId })));
      console.log(`${buildId} is current; keep the old build's workers until deploy status shows 0 open runs on it`);
    });

  deploy
    .command('rollback')
    .description('stop a ramp, or make the build current before the present one current again (its workers must run)')
    .argument('[build-id]', 'the build to make current (default: the one current before)')
    .action(async (buildId: string | undefined) => {
      const name = deps.deploymentName();
      const outcome = await deps.withTemporal((client) => change((m) => m.rollBack(client, name, buildId)));
      console.log(
        outcome.stoppedRamp
          ? `ramp of ${outcome.stoppedRamp} stopped: new runs all go to the current build`
          : `${outcome.current} is current again; runs opened on the rolled-back build finish there`,
      );
    });
}

export function renderDeployment(state: DeploymentState): string {
  const table = new Table({ head: ['build', 'status', 'open runs', 'current since', 'left'] });
  for (const b of state.builds) {
    table.push([b.buildId, b.status, String(b.openRuns), b.currentSince ?? '-', b.lastDeactivated ?? '-']);
  }
  const routing = [
    `deployment ${state.deploymentName}: new runs go to ${state.current ?? 'no build (unversioned workers only)'}`,
    state.ramping ? `, ${state.ramping.percentage}% to ${state.ramping.buildId}` : '',
  ].join('');
  return `${routing}\n${table.toString()}`;
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new InvalidArgumentError(`expected 0-100, got "${value}"`);
  return n;
}

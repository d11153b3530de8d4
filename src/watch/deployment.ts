// Worker Versioning seen from the task queue: a deployment with no current build sends every new run
// to unversioned workers (there are none in production), and a build that is neither current nor
// ramping, with no run pinned to it, polls for tasks it will never receive.
import type { Client } from '@temporalio/client';
import { deploymentState } from '../deploy/worker-deployment';
import type { HealthProblem } from './rules';

// The API's TaskQueueType WORKFLOW, and WorkerVersioningMode VERSIONED.
const workflowTasks = 1;
const versioned = 2;

export async function deploymentProblems(
  client: Client,
  deploymentName: string,
  taskQueue: string,
): Promise<HealthProblem[]> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: workflowTasks,
  });
  const polling = new Set(
    (pollers ?? [])
      .filter((p) => Number(p.deploymentOptions?.workerVersioningMode) === versioned)
      .filter((p) => p.deploymentOptions?.deploymentName === deploymentName)
      .map((p) => p.deploymentOptions?.buildId ?? ''),
  );
  if (polling.size === 0) return [];
  const state = await deploymentState(client, deploymentName);
  const problems: HealthProblem[] = [];
  if (!state?.current) {
    problems.push({
      kind: 'no-current-build',
      detail: `deployment ${deploymentName} has no current build: new runs wait for unversioned workers (pipeline deploy promote <build>; polling: ${[...polling].join(', ')})`,
    });
  }
  for (const buildId of polling) {
    if (buildId === state?.current || buildId === state?.ramping?.buildId) continue;
    const openRuns = state?.builds.find((b) => b.buildId === buildId)?.openRuns ?? 0;
    if (openRuns > 0) continue; // draining: its pinned runs still need it
    problems.push({
      kind: 'idle-build',
      detail: `build ${buildId} polls ${taskQueue} but receives no tasks: neither current nor ramping, no run on it (pipeline deploy ramp|promote ${buildId}, or stop its workers)`,
    });
  }
  return problems;
}

// Releases with Worker Versioning, through the SDK's WorkflowService: which build takes new runs
// (current), which takes a share of them (ramping), and what still runs on each build. The worker
// makes its own build current when the deployment has none, so a first deployment needs nothing
// by hand; every later step is an operator's command (`pipeline deploy`).
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { grpcStatus } from '../platform/grpc';
import { errorMessage } from '../platform/errors';

export interface WorkerVersion {
  deploymentName: string;
  buildId: string;
}

export interface BuildSummary {
  buildId: string;
  /** CURRENT, RAMPING, DRAINING, DRAINED, INACTIVE (never current) … */
  status: string;
  /** Runs still open on this build (pinned to it), from visibility. */
  openRuns: number;
  currentSince?: string;
  lastDeactivated?: string;
}

export interface DeploymentState {
  deploymentName: string;
  /** The build new runs start on; undefined while the deployment has none (unversioned workers). */
  current?: string;
  ramping?: { buildId: string; percentage: number };
  builds: BuildSummary[];
}

// The API's WorkerDeploymentVersionStatus values.
const buildStatuses = ['UNSPECIFIED', 'INACTIVE', 'CURRENT', 'RAMPING', 'DRAINING', 'DRAINED', 'CREATED'];

const codeOf = (error: unknown) => (error as { code?: unknown }).code;

async function describe(client: Client, deploymentName: string) {
  try {
    return await client.workflowService.describeWorkerDeployment({
      namespace: client.options.namespace,
      deploymentName,
    });
  } catch (error) {
    if (codeOf(error) === grpcStatus.NOT_FOUND) return undefined;
    throw error;
  }
}

/** The visibility value runs carry for their build (`TemporalWorkerDeploymentVersion`). */
export function versionKey(version: WorkerVersion): string {
  return `${version.deploymentName}:${version.buildId}`;
}

/** Open runs pinned to a build. */
export async function openRunsOn(client: Client, version: WorkerVersion): Promise<number> {
  const { count } = await client.workflowService.countWorkflowExecutions({
    namespace: client.options.namespace,
    query: `TemporalWorkerDeploymentVersion = '${versionKey(version)}' AND ExecutionStatus = 'Running'`,
  });
  return Number(count ?? 0);
}

/** Where new runs go, and what each build still runs; undefined before any versioned worker polled. */
export async function deploymentState(client: Client, deploymentName: string): Promise<DeploymentState | undefined> {
  const response = await describe(client, deploymentName);
  const info = response?.workerDeploymentInfo;
  if (!info) return undefined;
  const routing = info.routingConfig;
  const current = routing?.currentDeploymentVersion?.buildId || undefined;
  const rampingBuild = routing?.rampingDeploymentVersion?.buildId || undefined;
  const builds = await Promise.all(
    (info.versionSummaries ?? []).map(async (summary): Promise<BuildSummary> => {
      const buildId = summary.deploymentVersion?.buildId ?? '';
      return {
        buildId,
        status: buildStatuses[summary.status ?? 0] ?? 'UNSPECIFIED',
        openRuns: await openRunsOn(client, { deploymentName, buildId }),
        currentSince: timestampText(summary.currentSinceTime),
        lastDeactivated: timestampText(summary.lastDeactivationTime),
      };
    }),
  );
  return {
    deploymentName,
    current,
    ramping: rampingBuild ? { buildId: rampingBuild, percentage: routing?.rampingVersionPercentage ?? 0 } : undefined,
    builds: builds.sort((a, b) => (b.currentSince ?? '').localeCompare(a.currentSince ?? '')),
  };
}

function timestampText(time: { seconds?: unknown } | null | undefined): string | undefined {
  const seconds = Number(time?.seconds ?? 0);
  return seconds > 0 ? new Date(seconds * 1000).toISOString() : undefined;
}

/** A refusal the operator can act on (the CLI exits 2 with it). */
export class DeployRefused extends Error {}

async function knownBuild(client: Client, version: WorkerVersion) {
  const response = await describe(client, version.deploymentName);
  const summaries = response?.workerDeploymentInfo?.versionSummaries ?? [];
  if (!summaries.some((s) => s.deploymentVersion?.buildId === version.buildId)) {
    const known = summaries.map((s) => s.deploymentVersion?.buildId).filter(Boolean);
    throw new DeployRefused(
      `build ${version.buildId} has never polled deployment ${version.deploymentName} (start its workers first; known: ${known.join(', ') || 'none'})`,
    );
  }
  return response!;
}

/** Sends `percentage` of new runs to `buildId`; the rest go to the current build. */
export async function rampBuild(client: Client, version: WorkerVersion, percentage: number): Promise<void> {
  const { conflictToken } = await knownBuild(client, version);
  await client.workflowService.setWorkerDeploymentRampingVersion({
    namespace: client.options.namespace,
    deploymentName: version.deploymentName,
    buildId: version.buildId,
    percentage,
    conflictToken,
  });
}

/** Makes `buildId` current: every new run starts on it; runs open on other builds stay where they are. */
export async function promoteBuild(client: Client, version: WorkerVersion): Promise<void> {
  const { conflictToken } = await knownBuild(client, version);
  await client.workflowService.setWorkerDeploymentCurrentVersion({
    namespace: client.options.namespace,
    deploymentName: version.deploymentName,
    buildId: version.buildId,
    conflictToken,
  });
}

/**
 * Rolls back: a ramp in progress is stopped (new runs all go to the current build again); without a
 * ramp, the build current before this one becomes current again (or `to`, when given).
 */
export async function rollBack(
  client: Client,
  deploymentName: string,
  to?: string,
): Promise<{ stoppedRamp?: string; current?: string }> {
  const state = await deploymentState(client, deploymentName);
  if (!state) throw new DeployRefused(`deployment ${deploymentName} does not exist yet`);
  if (state.ramping && !to) {
    const { conflictToken } = (await describe(client, deploymentName))!;
    await client.workflowService.setWorkerDeploymentRampingVersion({
      namespace: client.options.namespace,
      deploymentName,
      buildId: '',
      percentage: 0,
      conflictToken,
    });
    return { stoppedRamp: state.ramping.buildId };
  }
  const previous =
    to ??
    state.builds
      .filter((b) => b.buildId !== state.current && b.lastDeactivated)
      .sort((a, b) => (b.lastDeactivated ?? '').localeCompare(a.lastDeactivated ?? ''))[0]?.buildId;
  if (!previous) throw new DeployRefused(`deployment ${deploymentName} has no earlier build to roll back to`);
  await promoteBuild(client, { deploymentName, buildId: previous });
  return { current: previous };
}

/**
 * The first deployment: once this worker's build is registered (its first poll), it becomes current
 * if the deployment has no current build yet. Later builds wait for an operator's promote.
 */
export async function becomeCurrentIfNone(
  client: Client,
  version: WorkerVersion,
  log: Logger,
  options: { attempts?: number; intervalMs?: number } = {},
): Promise<'made-current' | 'already-current' | 'another-is-current'> {
  const { attempts = 60, intervalMs = 1000 } = options;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      const response = await describe(client, version.deploymentName);
      const info = response?.workerDeploymentInfo;
      const registered = info?.versionSummaries?.some((s) => s.deploymentVersion?.buildId === version.buildId);
      if (info && registered) {
        const current = info.routingConfig?.currentDeploymentVersion?.buildId;
        if (current === version.buildId) return 'already-current';
        if (current) return 'another-is-current';
        await client.workflowService.setWorkerDeploymentCurrentVersion({
          namespace: client.options.namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          conflictToken: response.conflictToken,
        });
        log.info({ build_id: version.buildId }, 'the deployment had no current build: this build is now current');
        return 'made-current';
      }
    } catch (error) {
      // Another worker of the same build may have won the race (conflict token); look again.
      if (codeOf(error) === grpcStatus.PERMISSION_DENIED) throw permissionError(version, error);
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(
    `build ${version.buildId} was not registered in deployment ${version.deploymentName} in time${lastError ? `: ${errorMessage(lastError)}` : ''}`,
  );
}

function permissionError(version: WorkerVersion, error: unknown): Error {
  return new Error(
    `cannot make build ${version.buildId} current in deployment ${version.deploymentName}: the worker's Temporal identity needs the right to set a deployment's current version (namespace write access): ${errorMessage(error)}`,
  );
}

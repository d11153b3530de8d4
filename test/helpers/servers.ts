// Real servers for tests, started from the binaries scripts/setup.sh installed. Nothing downloads.
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Activities } from '../../src/worker/activities';
import type { ScheduledDay } from '../../src/schedule/activities';
import { createOpenGameDayActivity } from '../../src/date-run/client';
import { addDays } from '../../src/time';
import type { ClosedRun, LateCompletions } from '../../src/run-history/activities';
import type { RunEvent } from '../../src/messages/run-event';
import { binaries } from '../../dev/stack/local';
import { requireTool, type DevServer } from '../../dev/stack/ephemeral';
import { searchAttributeDefinitions } from '../../src/temporal/search-attributes';

export const workflowsPath = require.resolve('../../src/worker/workflows');

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** The workflow bundle, built once per test file and shared by its workers and replays. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

// Worker state changes are noise in test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

// The operator API takes the protobuf enum values: KEYWORD = 2, BOOL = 5.
const indexedValueTypes = { Keyword: 2, Bool: 5 } as const;

/** The time-skipping test server, with our search attributes registered. */
export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTool(binaries.temporalTestServer) } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.entries(searchAttributeDefinitions).map(([name, type]) => [name, indexedValueTypes[type]]),
    ),
  });
  return env;
}

/**
 * A client whose waits never let the test server skip time (the environment's own client's do). Its
 * connection pings no more often than the server permits (one in 5 minutes, only during calls): the
 * server answers more pings by closing the connection, which has left a test hanging.
 */
export async function clockHoldingClient(env: TestWorkflowEnvironment): Promise<Client> {
  const connection = await Connection.connect({
    address: env.address,
    channelArgs: {
      'grpc.keepalive_time_ms': 5 * 60_000,
      'grpc.keepalive_permit_without_calls': 0,
    },
  });
  return new Client({ connection, namespace: env.namespace });
}

export {
  freePort,
  startBigQueryEmulator,
  startDevServer,
  startPubSubEmulator,
  tempDir,
  type BigQueryEmulator,
  type DevServer,
  type PubSubEmulator,
} from '../../dev/stack/ephemeral';

export interface TestWorker {
  env: TestWorkflowEnvironment;
  /**
   * A client whose waits never move the server's clock. The environment's own client lets time skip
   * while it awaits a result, and the server then jumps past an activity scheduled but not yet
   * picked up, to the run's 10-year timeout when no timer is left.
   */
  client: Client;
  /** Moves the server's clock forward to `instant`; timers on the way fire in order. */
  skipTo(instant: number): Promise<void>;
  /** Skips to `instant`, by which the run must have closed, and returns its result. */
  resultBy<T = unknown>(workflowId: string, instant: number): Promise<T>;
  stop(): Promise<void>;
}

/** The run history as workflows see it, in memory: what closed, and what late runs dead-lettered. */
export function memoryRunHistory() {
  const closed = new Map<string, ClosedRun>();
  const deadLettered: LateCompletions[] = [];
  const events = new Map<string, RunEvent>();
  const activities = {
    closedRunOf(gameDate: string): Promise<ClosedRun | null> {
      return Promise.resolve(closed.get(gameDate) ?? null);
    },
    recordRunClosed(run: ClosedRun): Promise<void> {
      if (!closed.has(run.gameDate)) closed.set(run.gameDate, run);
      return Promise.resolve();
    },
    recordRunEvents(batch: RunEvent[]): Promise<void> {
      for (const event of batch) if (!events.has(event.eventId)) events.set(event.eventId, event);
      return Promise.resolve();
    },
    deadLetterCompletions(late: LateCompletions): Promise<void> {
      deadLettered.push(late);
      return Promise.resolve();
    },
  } satisfies Partial<Activities>;
  /** The run events written for `date`. */
  const eventsOf = (date: string) => [...events.values()].filter((e) => e.gameDate === date);
  return { closed, deadLettered, events, eventsOf, activities };
}

/** Every date is a game day by the schedule unless a test says otherwise (quiet-day.test.ts). */
export const everyDayHasGames = {
  scheduledDay: (gameDate: string): Promise<ScheduledDay> =>
    Promise.resolve({ gameDate, verdict: 'games', games: 4, before: 10, after: 10 }),
  nextGameDate: (gameDate: string): Promise<string | null> => Promise.resolve(addDays(gameDate, 1)),
} satisfies Partial<Activities>;

/**
 * A time-skipping server with a worker running the project's workflows and the given activities
 * (the run history in memory, and a schedule with games every day, unless given).
 */
export async function timeSkippingWorker(taskQueue: string, activities: Partial<Activities>): Promise<TestWorker> {
  const env = await timeSkippingEnvironment();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: holdingTheClock(env, {
      ...memoryRunHistory().activities,
      ...everyDayHasGames,
      // A date's results hand over to the next game date's run on this server.
      ...createOpenGameDayActivity(env.client, taskQueue),
      ...activities,
    }),
  });
  const running = worker.run();
  const client = await clockHoldingClient(env);
  const skipTo = async (instant: number) => {
    const now = await env.currentTimeMs();
    if (instant > now) await env.sleep(instant - now);
  };
  return {
    env,
    client,
    skipTo,
    async resultBy<T>(workflowId: string, instant: number): Promise<T> {
      await skipTo(instant);
      return (await client.workflow.getHandle(workflowId).result()) as T;
    },
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

/** Time stands still while a test activity runs, so the server never skips over its timeout. */
export function holdingTheClock(env: TestWorkflowEnvironment, activities: Partial<Activities>): Partial<Activities> {
  const clock = env.connection.testService!;
  const held = Object.entries(activities).map(([name, run]) => [
    name,
    async (...args: unknown[]) => {
      await clock.lockTimeSkipping({});
      try {
        return await (run as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        await clock.unlockTimeSkipping({});
      }
    },
  ]);
  return Object.fromEntries(held) as Partial<Activities>;
}

export interface DevServerWorker {
  client: Client;
  /** Shuts the worker down and closes both connections; the server is the caller's. */
  stop(): Promise<void>;
}

/**
 * A worker on a dev server running the project's workflows with the activities made for its
 * client (the run history in memory unless given), and that client.
 */
export async function devServerWorker(
  temporal: DevServer,
  taskQueue: string,
  activitiesFor: (client: Client) => Partial<Activities>,
): Promise<DevServerWorker> {
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }) });
  const connection = await NativeConnection.connect({ address: temporal.address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      ...memoryRunHistory().activities,
      ...everyDayHasGames,
      ...createOpenGameDayActivity(client, taskQueue),
      ...activitiesFor(client),
    },
  });
  const running = worker.run();
  return {
    client,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
    },
  };
}

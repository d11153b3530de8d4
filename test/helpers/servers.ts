// Real servers for tests, started from the binaries scripts/setup.sh installed. Nothing downloads.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { binaries } from '../../src/stack/local';
import { requireTool } from '../../src/stack/ephemeral';
import { searchAttributeDefinitions } from '../../src/workflows/search-attributes';

export const workflowsPath = require.resolve('../../src/workflows');

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


export { freePort, startDevServer, startPubSubEmulator, tempDir, type DevServer, type PubSubEmulator } from '../../src/stack/ephemeral';

export interface TestWorker {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/** A time-skipping server with a worker running the project's workflows and the given activities. */
export async function timeSkippingWorker(taskQueue: string, activities: object): Promise<TestWorker> {
  const env = await timeSkippingEnvironment();
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath, activities });
  const running = worker.run();
  return {
    env,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

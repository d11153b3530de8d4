// `npm start`: the whole local stack on the embedded defaults. Ctrl-C stops all of it.
import fs from 'node:fs';
import { createBigQuery, ensureSchema } from '../../src/platform/bigquery';
import { connectTemporal, createPubSub, temporalClient } from '../../src/platform/clients';
import { ensureSchedules } from '../../src/watch/schedules';
import { loadProcessConfig } from '../../src/platform/config';
import { ensureRetention } from '../../src/platform/infra/retention';
import { ensureTopology } from '../../src/platform/infra/topology';
import { dataDir, hostPort, logDir, processSpecs, serverSpecs, temporalUiPort } from './local';
import { startService, waitForPort, type RunningService } from './services';
import { errorMessage } from '../../src/platform/errors';

async function main(): Promise<void> {
  const config = loadProcessConfig();
  fs.mkdirSync(dataDir, { recursive: true });
  const running: RunningService[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the stack…');
    for (const service of [...running].reverse()) {
      await service.stop();
      console.log(`  stopped ${service.spec.name}`);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    for (const spec of serverSpecs(config)) {
      console.log(`starting ${spec.name}…`);
      running.push(await startService(spec, logDir));
    }
    const pubsub = createPubSub(config);
    await ensureTopology(pubsub);
    await pubsub.close();
    if (config.bigqueryEmulatorHost) await ensureSchema(createBigQuery(config));
    const connection = await connectTemporal(config);
    await ensureRetention(temporalClient(config, connection), config.temporal.namespace);
    await ensureSchedules(temporalClient(config, connection), config.temporal.taskQueue);
    await connection.close();
    await waitForPort(temporalUiPort, 30_000);
    for (const spec of processSpecs()) {
      console.log(`starting ${spec.name}…`);
      const service = await startService(spec, logDir);
      running.push(service);
      service.child.once('exit', (code) => {
        if (!stopping) {
          console.error(`${spec.name} exited (code ${code}); see ${service.logFile}`);
          void stopAll(1);
        }
      });
    }
  } catch (error) {
    console.error(`start-up failed: ${errorMessage(error)}`);
    await stopAll(1);
    return;
  }

  const temporal = hostPort(config.temporal.address);
  console.log(`
The game-day pipeline is running.
  Temporal        ${config.temporal.address} (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})
  Temporal Web UI http://${temporal.host}:${temporalUiPort}
  Pub/Sub         ${config.pubsubEmulatorHost} (project ${config.gcpProject})
  BigQuery        ${config.bigqueryEmulatorHost} (tables from sql/ddl.sql)
  Exports         ${config.exports.bucket ? `gs://${config.exports.bucket}` : config.exports.dir}
  Schedules       npx pipeline schedules
  Bridge push     http://127.0.0.1:${config.bridge.port}/pubsub/push
  Metrics         http://127.0.0.1:${config.bridge.port}/metrics (bridge) · http://${config.worker.metricsHost}:${config.worker.metricsPort}/metrics (worker)
  State           ${dataDir}
  Logs            ${logDir}/{temporal,pubsub,bigquery,worker,bridge}.log

Try, in another terminal:
  npx pipeline simulate --date 2025-11-29 --through 6
  npx pipeline status 2025-11-29

Ctrl-C stops everything.`);
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(2);
});

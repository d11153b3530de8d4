// `npm run build`'s second step: the workflow bundle, built once here instead of at every worker
// start. It includes the OpenTelemetry workflow interceptors so tracing can be turned on without a
// rebuild. The stamp lets bin/pipeline.js tell a fresh build from a stale one.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot, workflowBundleFile } from '../src/platform/paths';
import { workflowTracingModule } from '../src/platform/telemetry/tracing';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/worker/workflows'),
    workflowInterceptorModules: [workflowTracingModule],
    logger: {
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: console.error,
      log: () => undefined,
    },
  });
  fs.mkdirSync(path.dirname(workflowBundleFile), { recursive: true });
  fs.writeFileSync(workflowBundleFile, code);
  fs.writeFileSync(
    path.join(projectRoot, 'dist', 'build-info.json'),
    `${JSON.stringify({ builtAt: new Date(started).toISOString() }, null, 2)}\n`,
  );
  console.log(
    `workflow bundle: ${path.relative(projectRoot, workflowBundleFile)} (${(code.length / 1024).toFixed(0)} KiB)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

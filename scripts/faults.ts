// `npm run faults`: crashes, restarts, duplicate storms, poison and fuzzing against real servers and
// the real worker and bridge processes. One line per scenario, a summary, and the figures in
// bench-results/faults.json (the fast tier: faults-fast.json). Exits non-zero when a scenario fails.
//   npm run faults                     the full suite
//   npm run faults -- --fast           the fast tier (what npm test runs)
//   npm run faults -- --only poison    some scenarios by name (comma-separated)
//   npm run faults -- --seed 7         another deterministic seed
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeReport } from '../dev/faults/report';
import { runFaultSuite } from '../dev/faults/scenarios/suite';
import { root } from '../dev/stack/local';
import { log } from '../src/platform/log';

async function main(): Promise<void> {
  log.level = 'warn'; // what scenarios do in this process (opening dates) is not the suite's output
  const { values } = parseArgs({
    options: { fast: { type: 'boolean', default: false }, only: { type: 'string' }, seed: { type: 'string' } },
  });
  const tier = values.fast ? 'fast' : 'full';
  const report = await runFaultSuite({
    tier,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    only: values.only?.split(','),
  });
  const file = path.join(root, 'bench-results', tier === 'fast' ? 'faults-fast.json' : 'faults.json');
  writeReport(report, file);
  console.log(`written to ${path.relative(process.cwd(), file)}`);
  process.exit(report.passed ? 0 : 1);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

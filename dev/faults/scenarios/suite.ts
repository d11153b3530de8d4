// The fault suite: one stack, the scenarios of a tier one after the other, one line each, a summary.
import { dateSource } from '../days';
import { observe } from '../observer';
import { seeded } from '../random';
import { scenarioLine, summarize, summaryLines, type ScenarioResult, type SuiteReport } from '../report';
import { alertRoutes } from './alert-routes';
import { bigqueryDown } from './bigquery-down';
import { continueAsNewMidTrigger } from './continue-as-new';
import { quiet, type Scenario } from './context';
import { duplicateStorm } from './duplicate-storm';
import { foreignTopic } from './foreign-topic';
import { fuzz } from './fuzz';
import { killBridge, killTemporal, killWorker } from './kills';
import { operatorRace } from './operator-race';
import { phase4Backlog } from './phase4-backlog';
import { poison } from './poison';
import { restartPubSub } from './pubsub-restart';
import { replicas } from './replicas';
import { wrongNamespace } from './wrong-namespace';
import { startFaultStack } from '../stack';
import { errorMessage } from '../../../src/platform/errors';

export type Tier = 'full' | 'fast';

export function scenariosOf(tier: Tier, seed: number): Scenario[] {
  if (tier === 'fast') {
    return [
      duplicateStorm({ dates: 6, wholeDays: 0 }),
      killWorker(4),
      poison({ goodDates: 2 }),
      fuzz({ payloads: 1_000, seed }),
      // Seconds: push input and replay stay on the pipeline's own topics.
      foreignTopic(),
    ];
  }
  return [
    duplicateStorm({ dates: 200, wholeDays: 5 }),
    killWorker(20),
    killBridge(20),
    killTemporal(20),
    poison({ goodDates: 5 }),
    continueAsNewMidTrigger({ dates: 6 }),
    restartPubSub({ dates: 5 }),
    fuzz({ payloads: 10_000, seed }),
    // Run as a deployment runs: replicas, failing routes and stores, operators and bad senders.
    replicas({ dates: 12 }),
    alertRoutes(),
    bigqueryDown({ dates: 4 }),
    wrongNamespace({ dates: 2 }),
    phase4Backlog({ dates: 2 }),
    operatorRace({ dates: 50 }),
    foreignTopic(),
  ];
}

export interface SuiteOptions {
  tier: Tier;
  seed?: number;
  /** Only the scenarios with these names (default: all of the tier). */
  only?: readonly string[];
  print?: (line: string) => void;
}

export async function runFaultSuite({
  tier,
  seed = 20231001,
  only,
  print = console.log,
}: SuiteOptions): Promise<SuiteReport> {
  const started = Date.now();
  const say = (line: string) => print(`  +${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s  ${line}`);
  say(`starting the stack: Temporal dev server, Pub/Sub emulator, bqemulator, worker and bridge processes`);
  const stack = await startFaultStack();
  say(`stack up in ${stack.dir}`);
  const results: ScenarioResult[] = [];
  try {
    const observer = await observe(stack.pubsub.pubsub);
    // The fast tier runs in npm test: a stuck step fails it in minutes rather than holding it.
    const stepAtMostMs = (tier === 'fast' ? 3 : 20) * 60_000;
    const ctx = { stack, observer, nextDates: dateSource(), random: seeded(seed), stepAtMostMs, say };
    for (const s of scenariosOf(tier, seed).filter((s) => !only || only.includes(s.name))) {
      await quiet(stack); // what the last scenario left in flight is not this one's
      const result = await s.run(ctx);
      results.push(result);
      print(scenarioLine(result));
    }
    await observer.close();
  } finally {
    await stack.close().catch((error: unknown) => say(`stopping the stack: ${errorMessage(error)}`));
  }
  const report = summarize(tier, seed, started, results);
  for (const line of summaryLines(report)) print(line);
  return report;
}

// `pipeline simulate`: a realistic morning goes to Pub/Sub, phase by phase as the processors would
// answer the triggers — last night's results (phases 2, 3 of the game date before), handed over to
// this morning's slate (phases 4, 5, 6 of the date) — and we watch what the orchestrator publishes.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { seedSampleDay } from '../../dev/sample/sample-day';
import { runRowsOfCompletions, upsertRuns } from '../../dev/sample/runs';
import { deadLetterAttributes } from '../messages/dead-letter';
import { loadProcessConfig } from '../platform/config';
import { addDays } from '../time';
import { phaseDefinition, pipeline } from '../pipeline/definition';
import { gameDayTriggerId, triggerKeys } from '../pipeline/ids';
import { phaseCompletions, withAnnouncements, type SimulatedMessage } from '../../dev/simulate/day';
import { readStatus } from './status-sources';

export interface SimulateOptions {
  pubsub: PubSub;
  client: Client;
  /** Sample rows for the day's exports (through phase 6). */
  bigquery?: BigQuery;
  /** Where the worker writes exports, to check the files are there (absent: Cloud Storage). */
  exportDir?: string;
  /** The slate's date: this morning's games. */
  gameDate: string;
  /** The night whose results start the slate (default: the day before `gameDate`). */
  night?: string;
  /** The last phase to see started: 3 … 6. */
  through: number;
  timeoutMs: number;
  /**
   * A processor whose completion is lost on its way, as on a cold start; its run is still in the run
   * history. The day stops at its phase, waiting on it — what `pipeline health` and `reconcile` find.
   */
  lose?: string;
  print?: (line: string) => void;
}

/** How long a day with a lost completion is watched, to see that its phase's trigger does not go out. */
const lostSettleMs = 5000;

interface Seen {
  topic: string;
  id: string;
  at: number;
  body: Record<string, unknown>;
}

/** One step of the day: what the processors publish, and what the orchestrator should answer with. */
interface Step {
  phase: number;
  /** The game date the processors ran for. */
  date: string;
  publish: () => SimulatedMessage[];
  answer: { topic: string; id: string };
}

/** What the steps of one simulated day share. */
interface Run {
  options: SimulateOptions;
  /** The night whose results start the slate. */
  night: string;
  correlationId: string;
  /** When the processors of a date are recorded to have run (undefined: now). */
  ranAt: (date: string) => string | undefined;
  /** What the orchestrator has published for the night and the slate, as it arrives. */
  seen: Seen[];
  print: (line: string) => void;
  /** Prints a line stamped with the time since the simulation started. */
  say: (line: string) => void;
}

/** How publishing the steps ended: every answer came, or the day stopped early with its outcome. */
type Played = { finished: true; startedBy?: string } | { finished: false; ok: boolean };

/** Runs the day; true when every trigger went out exactly once and nothing was dead-lettered. */
export async function simulateDay(options: SimulateOptions): Promise<boolean> {
  const { client, gameDate, print = console.log } = options;
  const started = Date.now();
  const say = (line: string) => print(`+${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s  ${line}`);

  const night = options.night ?? addDays(gameDate, -1);
  const [results, slate] = await Promise.all([readStatus(client, night), readStatus(client, gameDate)]);
  if (results.phases.phase2.status !== 'not_started' || slate.phases.phase4.status !== 'not_started') {
    print(
      `the results of ${night} (phase 2 ${results.phases.phase2.status}) or the slate of ${gameDate} (phase 4 ${slate.phases.phase4.status}) have already run; nothing new would fire. Try another date.`,
    );
    return false;
  }

  // One chain from the scrapers to the predictions: the slate carries the night's correlation id.
  const correlationId = `sim-${night}-${randomUUID().slice(0, 8)}`;
  const run: Run = { options, night, correlationId, ranAt: recordedRunTimes(gameDate, night), seen: [], print, say };
  const steps = daySteps(run).filter((step) => step.phase <= options.through);

  print(`the results of ${night} (phases 2, 3, the night after its games) → the slate of ${gameDate} (phases 4, 5, 6)`);
  const subscriptions = await watchAnswers(run, steps);
  try {
    if (options.through >= 6 && options.bigquery) {
      say('writing sample rows for the day to BigQuery (features, predictions, yesterday’s results)');
      await seedSampleDay(options.bigquery, gameDate, { players: 120, predictionCoverage: 0.95, correlationId });
    }
    const played = await playSteps(run, steps);
    if (!played.finished) return played.ok;
    const exported = options.through >= 6 ? await checkExports(run) : { done: true, missingFiles: 0 };
    if (!exported.done) return false;

    await new Promise((r) => setTimeout(r, 2000)); // room for a duplicate to show itself
    return printSummary(run, steps, played.startedBy, exported.missingFiles);
  } finally {
    await Promise.all(subscriptions.map((s) => s.delete().catch(() => undefined)));
  }
}

/**
 * A past day is simulated as processors that ran in time: the night's runs ended by 06:00 ET the next
 * morning, the slate's by 08:00 ET, before the phases' deadlines (so `pipeline health` finds what the
 * simulation lost, not lateness).
 */
function recordedRunTimes(gameDate: string, night: string): (date: string) => string | undefined {
  const past = gameDate < new Date().toISOString().slice(0, 10);
  return (date) => (!past ? undefined : date === night ? `${gameDate}T10:00:00.000Z` : `${gameDate}T12:00:00.000Z`);
}

/** The night's phases 2 and 3, then the slate's phase 4 levels, phase 5 and phase 6, in order. */
function daySteps({ options: { gameDate }, night, correlationId }: Run): Step[] {
  const nightDay = { gameDate: night, correlationId };
  const day = { gameDate, correlationId };
  const id = (key: string) => gameDayTriggerId(gameDate, key);
  const level = (n: number, metadata?: Record<string, unknown>) => () =>
    phaseCompletions('phase4', { ...day, only: pipeline.phase4Levels[n - 1]!.processors, duplicates: 1, metadata });
  return [
    {
      phase: 3,
      date: night,
      publish: () => phaseCompletions('phase2', nightDay),
      answer: { topic: pipeline.topics.phase3Trigger, id: gameDayTriggerId(night, triggerKeys.phase3) },
    },
    {
      // The night's results complete: handed over to this morning's slate, whose phase 4 starts.
      phase: 4,
      date: night,
      publish: () => phaseCompletions('phase3', { ...nightDay, duplicates: 1 }),
      answer: { topic: pipeline.topics.phase4Trigger, id: id(triggerKeys.phase4Level(1)) },
    },
    {
      phase: 5,
      date: gameDate,
      publish: level(1),
      answer: { topic: pipeline.topics.phase4Trigger, id: id(triggerKeys.phase4Level(2)) },
    },
    {
      phase: 5,
      date: gameDate,
      publish: level(2),
      answer: { topic: pipeline.topics.phase4Trigger, id: id(triggerKeys.phase4Level(3)) },
    },
    {
      phase: 5,
      date: gameDate,
      // ml_feature_store_v2 also announces itself on nba-phase4-precompute-complete: still one start.
      publish: () => withAnnouncements(level(3, { players_ready: 114, players_total: 120 })()),
      answer: { topic: pipeline.topics.phase5Start, id: id(triggerKeys.phase5) },
    },
    {
      phase: 6,
      date: gameDate,
      publish: () => predictionsComplete(day),
      answer: { topic: pipeline.topics.phase6ExportTrigger, id: id(triggerKeys.phase6) },
    },
  ];
}

/** Subscribes to every topic the steps' answers come on, and to the dead letters. */
async function watchAnswers(run: Run, steps: Step[]): Promise<Subscription[]> {
  const { options, night, seen, say } = run;
  const watchTopics = [...new Set([...steps.map((s) => s.answer.topic), pipeline.topics.deadLetter])];
  if (options.through >= 6) watchTopics.push(pipeline.topics.phase6ExportComplete);
  return Promise.all(
    watchTopics.map((topic) =>
      watch(options.pubsub, topic, [night, options.gameDate], (entry) => {
        seen.push(entry);
        say(`← ${topic}  ${entry.id}`);
      }),
    ),
  );
}

/** Publishes each step's completions and waits for the orchestrator's answer before the next. */
async function playSteps(run: Run, steps: Step[]): Promise<Played> {
  const { options, seen } = run;
  const { timeoutMs } = options;
  let startedBy: string | undefined;
  for (const step of steps) {
    const { ran, messages } = await publishStep(run, step);
    const lastPublishedAt = Date.now();
    if (messages.length < ran.length) return { finished: false, ok: await waitingOnLost(run, step) };
    const answer = await waitFor(() => seen.find((s) => s.id === step.answer.id), timeoutMs);
    if (!answer)
      return {
        finished: false,
        ok: fail(
          run,
          `no ${step.answer.id} on ${step.answer.topic} within ${timeoutMs / 1000}s — is the stack running (npm start)?`,
        ),
      };
    startedBy = narrateAnswer(run, step, answer, lastPublishedAt) ?? startedBy;
  }
  return { finished: true, startedBy };
}

/** Records the step's runs and publishes its completions, less the lost one; `ran` is every completion. */
async function publishStep(run: Run, step: Step): Promise<{ ran: SimulatedMessage[]; messages: SimulatedMessage[] }> {
  const { options, ranAt, say } = run;
  const ran = step.publish();
  const messages = ran.filter((m) => m.message.processor_name !== options.lose);
  say(`→ ${messages[0]!.topic}  ${describe(messages)}`);
  // Processors record their runs whether or not their messages arrive.
  if (options.bigquery)
    await upsertRuns(
      options.bigquery,
      runRowsOfCompletions(
        ran.map((m) => m.message),
        'simulate',
        ranAt(step.date),
      ),
    );
  await publish(options.pubsub, messages.slice(0, 1)); // the failure goes first; its retry comes later, out of order
  await publish(options.pubsub, messages.slice(1));
  return { ran, messages };
}

/** Says what the milestone answers mean; returns who started predictions when the answer is phase 5's start. */
function narrateAnswer(run: Run, step: Step, answer: Seen, lastPublishedAt: number): string | undefined {
  const { options, night, say } = run;
  const { gameDate } = options;
  if (step.answer.id === gameDayTriggerId(night, triggerKeys.phase3)) {
    say(`phase 3 trigger received ${answer.at - lastPublishedAt} ms after the last phase 2 completion was published`);
  }
  if (step.answer.id === gameDayTriggerId(gameDate, triggerKeys.phase4Level(1))) {
    say(
      `the results of ${night} were handed over to the slate of ${gameDate}: phase 4 level 1 (results_of ${String(answer.body.results_of)})`,
    );
  }
  if (step.answer.id === gameDayTriggerId(gameDate, triggerKeys.phase5)) {
    say(`predictions started by the ${String(answer.body.trigger_source)} (phase 4 done)`);
    return String(answer.body.trigger_source);
  }
  return undefined;
}

/** Waits for the exports' completion and lists its files; `missingFiles` counts those not on disk. */
async function checkExports(run: Run): Promise<{ done: boolean; missingFiles: number }> {
  const { options, seen, print, say } = run;
  const { timeoutMs, exportDir } = options;
  const done = await waitFor(() => seen.find((s) => s.topic === pipeline.topics.phase6ExportComplete), timeoutMs);
  if (!done) return { done: fail(run, `no nba-phase6-export-complete within ${timeoutMs / 1000}s`), missingFiles: 0 };
  const paths = (done.body.paths as string[] | undefined) ?? [];
  say(`exports ${String(done.body.status)}: ${paths.length} files`);
  let missingFiles = 0;
  for (const file of paths) {
    const written = exportDir ? path.join(exportDir, file) : file;
    const missing = exportDir !== undefined && !fs.existsSync(written);
    if (missing) missingFiles += 1;
    print(`           ${written}${missing ? '  (missing!)' : ''}`);
  }
  return { done: true, missingFiles };
}

/** Prints how often each trigger went out and where to look; true when the day went as it should. */
function printSummary(run: Run, steps: Step[], startedBy: string | undefined, missingFiles: number): boolean {
  const { options, night, correlationId, seen, print } = run;
  const counts = steps.map(
    ({ answer }) => [answer.id, seen.filter((s) => s.topic === answer.topic && s.id === answer.id).length] as const,
  );
  const deadLettered = seen.filter((s) => s.topic === pipeline.topics.deadLetter).length;
  const exportCompletes = seen.filter((s) => s.topic === pipeline.topics.phase6ExportComplete).length;
  const config = loadProcessConfig();
  const ui = `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows?query=${encodeURIComponent(`CorrelationId="${correlationId}"`)}`;
  print('');
  for (const [trigger, count] of counts) print(`${trigger.padEnd(34)} ${count} (expected 1)`);
  if (options.through >= 6) print(`${'nba-phase6-export-complete'.padEnd(34)} ${exportCompletes} (expected 1)`);
  print(`${'dead-lettered'.padEnd(34)} ${deadLettered}`);
  print(`find it in the Web UI: ${ui}`);
  print(`status:               npx pipeline status ${night}   npx pipeline status ${options.gameDate}`);
  const exportsOk = options.through < 6 || (exportCompletes === 1 && missingFiles === 0);
  const byOrchestrator = options.through < 5 || startedBy === 'orchestrator';
  if (!byOrchestrator) print(`predictions were started by the ${startedBy ?? '?'}, not by phase 4`);
  return counts.every(([, count]) => count === 1) && deadLettered === 0 && exportsOk && byOrchestrator;
}

function fail({ say }: Run, reason: string): false {
  say(reason);
  return false;
}

/** The lost completion holds its phase: nothing fires, nothing is dead-lettered, the date waits. */
async function waitingOnLost(run: Run, step: Step): Promise<boolean> {
  const { options, seen, print, say } = run;
  const fired = await waitFor(() => seen.find((s) => s.id === step.answer.id), lostSettleMs);
  if (fired) return fail(run, `${step.answer.id} went out although ${options.lose}'s completion was lost`);
  const deadLettered = seen.filter((s) => s.topic === pipeline.topics.deadLetter).length;
  say(`${options.lose}'s completion was lost on its way; its run is in the run history. ${step.date} waits on it.`);
  print('');
  print(`${step.answer.id.padEnd(34)} 0 (expected 0: waiting on ${options.lose})`);
  print(`${'dead-lettered'.padEnd(34)} ${deadLettered}`);
  print(`see it:    npx pipeline status ${step.date}   npx pipeline health (past the phase's deadline)`);
  print(
    `mend it:   npx pipeline reconcile --days 3 --fix   (hands the lost completion over; ${step.answer.id} fires once)`,
  );
  return deadLettered === 0;
}

/** The prediction coordinator's completion, at 95 % — through the 5→6 gate. */
function predictionsComplete({
  gameDate,
  correlationId,
}: {
  gameDate: string;
  correlationId: string;
}): SimulatedMessage[] {
  const batch = `batch_${gameDate}_sim`;
  return [
    {
      topic: phaseDefinition('phase5').completionTopic!,
      message: {
        processor_name: 'PredictionCoordinator',
        phase: 'phase_5_predictions',
        execution_id: batch,
        correlation_id: correlationId,
        game_date: gameDate,
        output_table: 'player_prop_predictions',
        status: 'success',
        record_count: 114,
        metadata: {
          batch_id: batch,
          expected_predictions: 120,
          completed_predictions: 114,
          failed_predictions: 6,
          completion_pct: 95,
        },
      },
    },
  ];
}

function describe(messages: SimulatedMessage[]): string {
  const duplicates = messages.filter((m) => m.note === 'duplicate').length;
  const failedFirst = messages.filter((m) => m.note === 'failed-first').length;
  const announced = messages.filter((m) => m.note === 'announced');
  const processors = messages.length - duplicates - failedFirst - announced.length;
  const extras = [
    duplicates && `${duplicates} duplicate deliveries`,
    failedFirst && `${failedFirst} failing before its retry`,
    ...announced.map((m) => `${m.message.processor_name} announced on ${m.topic}`),
  ].filter(Boolean);
  return `${processors} processor${processors === 1 ? '' : 's'}${extras.length ? ` (+${extras.join(', ')})` : ''}`;
}

async function publish(pubsub: PubSub, messages: SimulatedMessage[]): Promise<void> {
  // All at once, as processors finishing together would.
  await Promise.all(messages.map(({ topic, message }) => pubsub.topic(topic).publishMessage({ json: message })));
}

/** A subscription of our own on an outgoing topic, so we see what the orchestrator publishes for the date. */
async function watch(
  pubsub: PubSub,
  topic: string,
  gameDates: string[],
  seen: (entry: Seen) => void,
): Promise<Subscription> {
  const [subscription] = await pubsub.topic(topic).createSubscription(`simulate-${topic}-${randomUUID().slice(0, 8)}`);
  subscription.on('message', (message: Message) => {
    message.ack();
    const data = message.data.toString('utf8');
    if (!gameDates.some((date) => data.includes(date))) return;
    const reason = message.attributes[deadLetterAttributes.reason];
    const body = reason ? { reason } : (JSON.parse(data) as Record<string, unknown>);
    const triggerId = typeof body.trigger_id === 'string' ? body.trigger_id : undefined;
    const id = reason ?? triggerId ?? message.attributes.trigger_id ?? message.id;
    seen({ topic, id, at: Date.now(), body });
  });
  return subscription;
}

async function waitFor<T>(find: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

// `pipeline simulate`: a realistic day of completions goes to Pub/Sub, and we watch what comes out.
import { randomUUID } from 'node:crypto';
import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { Client } from '@temporalio/client';
import { deadLetterAttributes } from '../bridge/dead-letter';
import { config } from '../config';
import type { Trigger } from '../messages/trigger';
import { pipeline, workflowIdFor, type PhaseKey } from '../pipeline/definition';
import { phaseCompletions, type SimulatedMessage } from '../simulate/day';
import { hostPort, temporalUiPort } from '../stack/local';
import type { GameDayStatus } from '../workflows/status';
import { readStatus } from './status';

export interface SimulateOptions {
  pubsub: PubSub;
  client: Client;
  gameDate: string;
  timeoutMs: number;
  print?: (line: string) => void;
}

interface Watched {
  topic: string;
  at: number;
}

/** Runs the day through the phase 4 level 1 trigger; true when each trigger went out exactly once. */
export async function simulateDay({ pubsub, client, gameDate, timeoutMs, print = console.log }: SimulateOptions): Promise<boolean> {
  const started = Date.now();
  const say = (line: string) => print(`+${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s  ${line}`);

  const before = await readStatus(client, gameDate);
  if (before.phases.phase2.status !== 'not_started') {
    print(`${gameDate} has already run (phase 2 is ${before.phases.phase2.status}); nothing new would fire. Try another date.`);
    return false;
  }

  const correlationId = `sim-${gameDate}-${randomUUID().slice(0, 8)}`;
  const watched: Watched[] = [];
  const watchTopics = [pipeline.topics.phase3Trigger, pipeline.topics.phase4Trigger, pipeline.topics.deadLetter];
  const subscriptions = await Promise.all(
    watchTopics.map((topic) =>
      watch(pubsub, topic, gameDate, (body) => {
        watched.push({ topic, at: Date.now() });
        say('reason' in body ? `← ${topic}  ${body.reason}` : `← ${topic}  ${body.trigger_id}  correlation_id=${body.correlation_id}`);
      }),
    ),
  );
  const progress = watchProgress(client, gameDate, say);

  try {
    const phase2 = phaseCompletions('phase2', { gameDate, correlationId });
    say(`publishing ${describe(phase2)} to ${phase2[0]!.topic}`);
    await publish(pubsub, phase2.slice(0, 1)); // the failure goes first; its retry comes later, out of order
    await publish(pubsub, phase2.slice(1));
    const lastPhase2PublishedAt = Date.now();
    say('all phase 2 completions published');

    const phase3Trigger = await waitFor(() => watched.find((w) => w.topic === pipeline.topics.phase3Trigger), timeoutMs);
    if (!phase3Trigger) return fail(`no phase 3 trigger within ${timeoutMs / 1000}s — is the stack running (npm start)?`);
    say(`phase 3 trigger received ${phase3Trigger.at - lastPhase2PublishedAt} ms after the last phase 2 completion was published`);

    const phase3 = phaseCompletions('phase3', { gameDate, correlationId, duplicates: 1 });
    say(`publishing ${describe(phase3)} to ${phase3[0]!.topic}`);
    await publish(pubsub, phase3);

    const level1 = await waitFor(() => watched.find((w) => w.topic === pipeline.topics.phase4Trigger), timeoutMs);
    if (!level1) return fail(`no phase 4 level 1 trigger within ${timeoutMs / 1000}s`);

    await new Promise((r) => setTimeout(r, 2000)); // room for a duplicate trigger to show itself
    const count = (topic: string) => watched.filter((w) => w.topic === topic).length;
    const phase3Count = count(pipeline.topics.phase3Trigger);
    const level1Count = count(pipeline.topics.phase4Trigger);
    const ui = `http://${hostPort(config.temporal.address).host}:${temporalUiPort}/namespaces/${config.temporal.namespace}/workflows?query=${encodeURIComponent(`CorrelationId="${correlationId}"`)}`;
    print('');
    print(`phase 3 triggers:         ${phase3Count} (expected 1)`);
    print(`phase 4 level 1 triggers: ${level1Count} (expected 1)`);
    print(`dead-lettered:            ${count(pipeline.topics.deadLetter)}`);
    print(`workflow:                 ${workflowIdFor(gameDate)}`);
    print(`find it in the Web UI:    ${ui}`);
    print(`status:                   npx pipeline status ${gameDate}`);
    return phase3Count === 1 && level1Count === 1;
  } finally {
    progress.stop();
    await Promise.all(subscriptions.map((s) => s.delete().catch(() => undefined)));
  }

  function fail(reason: string): false {
    say(reason);
    return false;
  }
}

function describe(messages: SimulatedMessage[]): string {
  const duplicates = messages.filter((m) => m.note === 'duplicate').length;
  const failedFirst = messages.filter((m) => m.note === 'failed-first').length;
  return `${messages.length} messages (${messages.length - duplicates - failedFirst} processors, ${duplicates} duplicate deliveries, ${failedFirst} failing before its retry)`;
}

async function publish(pubsub: PubSub, messages: SimulatedMessage[]): Promise<void> {
  // All at once, as the processors finishing together would.
  await Promise.all(messages.map(({ topic, message }) => pubsub.topic(topic).publishMessage({ json: message })));
}

/** A subscription of our own on an outgoing topic, so we see what the orchestrator publishes. */
async function watch(pubsub: PubSub, topic: string, gameDate: string, seen: (body: Trigger | { reason: string }) => void): Promise<Subscription> {
  const [subscription] = await pubsub.topic(topic).createSubscription(`simulate-${topic}-${randomUUID().slice(0, 8)}`);
  subscription.on('message', (message: Message) => {
    message.ack();
    const data = message.data.toString('utf8');
    if (!data.includes(gameDate)) return;
    const reason = message.attributes[deadLetterAttributes.reason];
    seen(reason ? { reason } : (JSON.parse(data) as Trigger));
  });
  return subscription;
}

/** Prints the workflow's counts whenever they change. */
function watchProgress(client: Client, gameDate: string, say: (line: string) => void): { stop(): void } {
  let last = '';
  const timer = setInterval(() => {
    readStatus(client, gameDate)
      .then((status: GameDayStatus) => {
        const line = (['phase2', 'phase3'] as PhaseKey[])
          .map((p) => `${p} ${status.phases[p].completed_count}/${status.phases[p].expected_count} ${status.phases[p].status}`)
          .join(' · ');
        if (line !== last) say(`workflow: ${line}`);
        last = line;
      })
      .catch(() => undefined);
  }, 150);
  return { stop: () => clearInterval(timer) };
}

async function waitFor<T>(find: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found || Date.now() > until) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Push input that names its own topic: envelopes whose subscription points at a topic the pipeline
// does not consume (nba-phase5-trigger, whose subscribers start predictions; a topic that does not
// exist), then `pipeline dead-letters replay` as an operator runs it. The bridge must refuse them,
// and the replay must publish nothing to a topic the pipeline does not consume, nor stop at a letter
// it cannot replay: an ordinary dead letter in the same replay goes back to its own topic.
import { spawn } from 'node:child_process';
import type { Message } from '@google-cloud/pubsub';
import { completionTopics, pipeline } from '../../../src/pipeline/definition';
import { processSpecs } from '../../stack/local';
import { PHASE2_TOPIC } from '../poison-cases';
import { sleep } from '../tally';
import { noFigures } from '../report';
import { sample, scenario, type Scenario } from './context';

const LETTERS_WITHIN_MS = 30_000;

interface Envelope {
  label: string;
  topic: string;
  /** The pipeline consumes this topic: its letter may be replayed there. */
  consumed: boolean;
}

export function foreignTopic(): Scenario {
  const name = 'foreign-topic';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack, observer } = ctx;
        const { pubsub } = stack.pubsub;
        const run = `faults-foreign-${Date.now().toString(36)}`;
        const envelopes: Envelope[] = [
          { label: 'foreign topic', topic: pipeline.topics.phase5Start, consumed: false },
          { label: 'no such topic', topic: 'nba-no-such-topic', consumed: false },
          { label: 'own topic', topic: PHASE2_TOPIC, consumed: true },
        ];
        ctx.say(`${name}: push envelopes naming ${envelopes.map((e) => e.topic).join(', ')}; then a replay`);
        const failures: string[] = [];
        const notes: string[] = [];

        // Our own view of the dead-letter topic; the observer lets the review subscription be, for the replay.
        const [letters] = await pubsub.topic(pipeline.topics.deadLetter).createSubscription(run);
        const seen: Message[] = [];
        letters.on('message', (m: Message) => {
          m.ack();
          seen.push(m);
        });
        await observer.holdDeadLetters();
        try {
          const statuses = await Promise.all(envelopes.map((e, i) => pushEnvelope(stack.pushUrl, e, `${run}-${i}`)));
          for (const s of statuses) notes.push(`${s.label} (${s.topic}): push answered ${s.status}`);
          const letterOf = (token: string) => seen.find((m) => m.data.toString('utf8').includes(token));
          // A foreign envelope answered 2xx was taken: then it is dead-lettered, like the own-topic one.
          const due = statuses.filter((s) => s.consumed || (s.status >= 200 && s.status < 300));
          const until = Date.now() + LETTERS_WITHIN_MS;
          while (due.some((s) => !letterOf(s.token)) && Date.now() < until) await sleep(100);
          for (const s of statuses.filter((s) => !s.consumed)) {
            const claimed = letterOf(s.token)?.attributes?.source_topic;
            if (claimed && !completionTopics.includes(claimed))
              failures.push(
                `${s.label}: dead-lettered with source_topic ${claimed}, a topic the pipeline does not consume`,
              );
          }

          // The operator replays the invalid letters.
          const replay = await pipelineCli(
            ['dead-letters', 'replay', '--reason-prefix', 'invalid:', '--json'],
            stack.env,
          );
          notes.push(`replay exited ${replay.code}: ${oneLine(replay.stdout || replay.stderr)}`);
          const own = statuses.find((s) => s.consumed)!;
          if (!replay.stdout.includes(letterOf(own.token)?.id ?? '(no letter)'))
            failures.push(`the replay did not replay the own-topic letter: ${oneLine(replay.stderr || replay.stdout)}`);

          // Whatever the replay published to nba-phase5-trigger has reached us once a later message has.
          const sentinel = `${run}-sentinel`;
          await pubsub.topic(pipeline.topics.phase5Start).publishMessage({ json: { trigger_id: sentinel } });
          const sentinelUntil = Date.now() + 30_000;
          while (!observer.triggers.some((o) => o.triggerId === sentinel) && Date.now() < sentinelUntil)
            await sleep(100);
          const leaked = observer.triggers.filter(
            (o) => o.data.toString('utf8').includes(run) && o.triggerId !== sentinel,
          );
          if (leaked.length)
            failures.push(`replayed onto topics the pipeline does not consume: ${sample(leaked.map((o) => o.topic))}`);
          return {
            figures: { ...noFigures, dead_letters: statuses.filter((s) => letterOf(s.token)).length },
            failures,
            notes,
          };
        } finally {
          observer.readDeadLetters();
          await letters.close();
          await letters.delete().catch(() => undefined);
        }
      }),
  };
}

/** Pushes a message that is no completion, in an envelope naming the envelope's topic; returns the answer's status. */
async function pushEnvelope(
  pushUrl: string,
  e: Envelope,
  token: string,
): Promise<Envelope & { token: string; status: number }> {
  const body = JSON.stringify({
    subscription: `projects/nba-props-platform/subscriptions/${e.topic}-orchestrator`,
    message: {
      messageId: token,
      data: Buffer.from(`not a completion ${token}`).toString('base64'),
      attributes: {},
    },
  });
  const response = await fetch(pushUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { ...e, token, status: response.status };
}

function pipelineCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args: base } = processSpecs().find((s) => s.name === 'worker')!;
  const child = spawn(command, [base[0]!, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

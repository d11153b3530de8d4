// Poison in, alongside good days: every poison input comes out on the dead-letter review
// subscription with a reason (100 %), none loops, and the good days' triggers still go out.
import type { PubSub } from '@google-cloud/pubsub';
import { driveDays } from '../days';
import { deadLetterReason, deadLetterSourceId, type Observed } from '../observer';
import { PHASE2_TOPIC, poisonCases, pushSubscription, type PoisonCase } from '../poison-cases';
import { round } from '../report';
import { settle } from '../tally';
import { dayFigures, scenario, type Scenario } from './context';

interface Sent {
  poison: PoisonCase;
  /** The Pub/Sub (or push) message id the dead letter must name. */
  messageId?: string;
  token: string;
  httpStatus?: number;
}

export function poison({ goodDates }: { goodDates: number }): Scenario {
  const name = 'poison';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const token = `poison-${Date.now().toString(36)}`;
        const cases = poisonCases(ctx.nextDates(8), new Date().toISOString().slice(0, 10), token);
        ctx.say(`${name}: ${cases.length} poison inputs among ${goodDates} good dates`);
        const sent = await Promise.all(
          cases.map((poison, i) => send(ctx.stack.pubsub.pubsub, ctx.stack.pushUrl, poison, `${token}-${i}`)),
        );

        const dates = ctx.nextDates(goodDates);
        const driving = driveDays(ctx.stack, ctx.observer, {
          dates,
          stepsFor: () => 1,
          deliveries: 3,
          random: ctx.random,
          stepAtMostMs: ctx.stepAtMostMs,
          idleMs: 60_000,
        });
        const letterOf = (s: Sent) => ctx.observer.deadLetters.find((letter) => matches(letter, s));
        const matched = () => sent.filter((s) => letterOf(s)).length;
        await settle(() => matched() === sent.length, matched, 20_000);
        const driven = await driving;

        const failures: string[] = [];
        let withReason = 0;
        for (const s of sent) {
          const letter = letterOf(s);
          const reason = letter && deadLetterReason(letter);
          if (s.httpStatus !== undefined && (s.httpStatus < 200 || s.httpStatus > 299)) {
            failures.push(
              `${s.poison.name}: push answered ${s.httpStatus}, so Pub/Sub would redeliver it until retention`,
            );
          }
          if (!letter) failures.push(`${s.poison.name}: never dead-lettered`);
          else if (!reason || !s.poison.reason.test(reason))
            failures.push(`${s.poison.name}: reason ${JSON.stringify(reason)}, expected ${s.poison.reason}`);
          else withReason += 1;
        }
        const good = dayFigures(ctx.observer, dates, driven);
        return {
          figures: {
            ...good.figures,
            dead_letters: sent.filter((s) => letterOf(s)).length + good.figures.dead_letters,
            poison: {
              sent: sent.length,
              dead_lettered_with_reason: withReason,
              pct: round((100 * withReason) / sent.length),
            },
          },
          failures: [...failures, ...good.failures.map((f) => `good dates: ${f}`)],
        };
      }),
  };
}

async function send(pubsub: PubSub, pushUrl: string, poison: PoisonCase, token: string): Promise<Sent> {
  if (poison.via === 'pubsub') {
    const messageId = await pubsub
      .topic(PHASE2_TOPIC)
      .publishMessage({ data: poison.data, attributes: poison.attributes });
    return { poison, messageId, token };
  }
  const messageId = poison.body ? undefined : `faults-push-${token}`;
  const body =
    poison.body?.(token) ??
    JSON.stringify({
      subscription: pushSubscription,
      message: { messageId, data: poison.data.toString('base64'), attributes: poison.attributes ?? {} },
    });
  const response = await fetch(pushUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { poison, messageId, token, httpStatus: response.status };
}

/** By the message id it names; an envelope without one, by the token its bytes carry (raw or base64). */
function matches(letter: Observed, sent: Sent): boolean {
  if (sent.messageId) return deadLetterSourceId(letter) === sent.messageId;
  const data = letter.data.toString('utf8');
  return data.includes(sent.token) || data.includes(Buffer.from(sent.token).toString('base64'));
}

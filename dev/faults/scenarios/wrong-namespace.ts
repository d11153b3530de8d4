// A bridge deployed with the wrong namespace (or an API key scoped to another one): Temporal's
// health probe still answers, but every signal fails. It must alert like an outage (Slack and a
// page), say so on /readyz, and lose nothing: the completions stay in Pub/Sub, neither signalled nor
// dead-lettered, until a bridge with the right namespace takes them.
import { pipeline } from '../../../src/pipeline/definition';
import { phaseCompletions } from '../../simulate/day';
import { expectedTriggers } from '../days';
import { triggerKey } from '../observer';
import type { Attempt } from '../alert-receiver';
import type { FaultStack } from '../stack';
import { sleep } from '../tally';
import { dayFigures, deadLettersFor, sample, scenario, type Scenario } from './context';

const NAMESPACE = 'faults-no-such-namespace';
/** The bridge's outage alert is due after about a minute without Temporal; give it room on a busy machine. */
const ALERT_WITHIN_MS = 150_000;
const RIGHT_BRIDGE_WITHIN_MS = 180_000;

export function wrongNamespace({ dates: count }: { dates: number }): Scenario {
  const name = 'wrong-namespace';
  return {
    name,
    run: (ctx) =>
      scenario(name, async () => {
        const { stack } = ctx;
        const failures: string[] = [];
        const notes: string[] = [];
        const dates = ctx.nextDates(count);
        ctx.say(
          `${name}: the only bridge runs with TEMPORAL_NAMESPACE=${NAMESPACE}; ${count} dates' phase 2 published`,
        );
        await stack.bridge.stop();
        const startedAt = Date.now();
        const wrong = await stack.replica('bridge', 'bridge-wrong-namespace', { TEMPORAL_NAMESPACE: NAMESPACE }, false);
        try {
          const published = new Set<string>();
          for (const date of dates) {
            for (const { topic, message } of phaseCompletions('phase2', {
              gameDate: date,
              correlationId: `faults-${date}`,
              duplicates: 0,
            })) {
              published.add(await stack.pubsub.pubsub.topic(topic).publishMessage({ json: message }));
            }
          }

          const pages = await waitForOutageAlert(stack, startedAt, failures, notes);

          const readyz = await fetch(`${wrong.url}/readyz`).then(
            (r) => r.status,
            () => 0,
          );
          if (readyz === 200) failures.push('/readyz answered 200 from a bridge whose every signal fails');
          else notes.push(`/readyz ${readyz || 'unreachable'}`);

          const early = triggersOf(ctx.observer.triggers, dates);
          if (early > 0) failures.push(`${early} triggers went out through a bridge on the wrong namespace`);

          // The right bridge takes over: what waited in Pub/Sub goes through.
          await wrong.stop();
          const rightAt = Date.now();
          await stack.bridge.start();
          const expected = dates.flatMap((d) => expectedTriggers(d, 1));
          const rightUntil = rightAt + RIGHT_BRIDGE_WITHIN_MS;
          while (triggersOf(ctx.observer.triggers, dates) < expected.length && Date.now() < rightUntil)
            await sleep(250);
          const recovered = triggersOf(ctx.observer.triggers, dates) === expected.length ? Date.now() - rightAt : null;

          const day = dayFigures(ctx.observer, dates, { expected, published });
          const letters = deadLettersFor(ctx.observer, published, dates);
          if (letters.length)
            notes.push(`dead letters: ${sample(letters.map((l) => l.attributes.dead_letter_reason ?? '?'))}`);
          return {
            figures: { ...day.figures, pages, recovery_ms: recovered },
            failures: [...failures, ...day.failures],
            notes,
          };
        } finally {
          await wrong.stop();
          await stack.bridge.start();
        }
      }),
  };
}

/** The outage alert: Slack and PagerDuty, critical, naming Temporal or the namespace. */
async function waitForOutageAlert(
  stack: FaultStack,
  startedAt: number,
  failures: string[],
  notes: string[],
): Promise<{ expected: number; delivered: number; repeated: number }> {
  const outage = (a: Attempt) => a.at > startedAt && /critical/i.test(a.text) && /temporal|namespace/i.test(a.text);
  const alerted = () => stack.alerts.attempts.filter((a) => outage(a) && a.status < 300);
  const until = Date.now() + ALERT_WITHIN_MS;
  while (Date.now() < until && new Set(alerted().map((a) => a.route)).size < 2) await sleep(250);
  const routes = new Set(alerted().map((a) => a.route));
  const pages = { expected: 2, delivered: routes.size, repeated: alerted().length - routes.size };
  if (routes.size < 2)
    failures.push(
      `no outage alert within ${ALERT_WITHIN_MS / 1000} s of a bridge that cannot signal (got: ${[...routes].join(', ') || 'none'})`,
    );
  else
    notes.push(`outage alerted after ${((Math.min(...alerted().map((a) => a.at)) - startedAt) / 1000).toFixed(1)} s`);
  return pages;
}

function triggersOf(observed: readonly { topic: string; triggerId?: string }[], dates: readonly string[]): number {
  const wanted = new Set(dates.flatMap((d) => expectedTriggers(d, 1)));
  return new Set(
    observed
      .filter((o) => o.topic === pipeline.topics.phase3Trigger && o.triggerId)
      .map((o) => triggerKey(o.topic, o.triggerId!))
      .filter((k) => wanted.has(k)),
  ).size;
}

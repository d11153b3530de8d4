// The bridge's own alerts, through the same path and routes as the workflows' (src/alerts/send.ts):
// a burst of dead letters, raised as it happens, and Temporal unreachable for longer than a minute.
//
// Deduplication is per (kind, date), as everywhere. While Temporal answers, an alert is raised by
// starting its `alert-<kind>-<date>` workflow, which the worker delivers and Temporal refuses to
// start twice, across replicas and restarts. When Temporal is what is down (or refuses the start),
// the bridge delivers to the routes itself and remembers, in memory, what it delivered. That memory
// dies with the process: a bridge restarted during the same outage pages again, once. Acceptable —
// an outage long enough to span a restart deserves a second page, and PagerDuty folds it into the
// open incident anyway (same `dedup_key`).
import type { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { alertKindOf, alertWorkflowId, type Alert } from '../alerts/alert';
import { deliverToRoutes, startAlertWorkflow, type AlertRoutes } from '../alerts/send';
import { deadLetterReviewSubscription } from '../infra/topology';
import { pipeline } from '../pipeline/definition';
import { calendarDateIn } from '../workflows/target-date';
import { DeadLetterBursts, TemporalOutages, type Burst, type BurstRule, type Outage } from './alert-rules';
import { classifyTemporalError } from './classify';
import type { DeadLetter } from './dead-letter';

export type AlertPath = 'temporal' | 'direct';
export type AlertOutcome = 'raised' | 'deduplicated' | 'failed';

export interface BridgeAlertOptions {
  client: Client;
  /** The client's connection: its health service is what the probe asks. */
  connection: Connection;
  /** The worker's task queue: the alert workflow runs there. */
  taskQueue: string;
  /** Where the bridge delivers when Temporal cannot (ALERT_WEBHOOK_URL, PAGERDUTY_*). */
  routes: AlertRoutes;
  log: Logger;
  /** Named in the outage alert, e.g. `127.0.0.1:7233 (namespace default)`. */
  temporalTarget?: string;
  /** Counts each alert by kind, path and outcome (the bridge's /metrics). */
  count?: (labels: { kind: string; path: AlertPath; outcome: AlertOutcome }) => void;
  /** Default `pipeline.watch.deadLetterBurst`. */
  deadLetterBurst?: BurstRule;
  /** Default `pipeline.watch.temporalUnreachableAfter` (a minute). */
  temporalUnreachableAfterMs?: number;
  /** How often Temporal's health is asked, besides what the messages' signals say. Default 10 s. */
  probeEveryMs?: number;
  /** A health check or alert start not answered by then counts as unreachable. Default 5 s. */
  temporalTimeoutMs?: number;
  /** Attempts at each route when delivering directly. Default 3, a second apart and doubling. */
  directAttempts?: number;
  /** The clock the rules and alert dates read (deadlines on Temporal calls use the real one). */
  now?: () => number;
}

export interface BridgeAlerts {
  /** The same dead-letter publisher, counting each dead letter published toward a burst. */
  watchDeadLetters(deadLetter: DeadLetter): DeadLetter;
  /** Told whether a call to Temporal reached it (the handler's signals and export starts). */
  temporalReached(reachable: boolean, error?: string): void;
  /** Asks Temporal's health service now; /readyz reports this. */
  probeTemporal(): Promise<boolean>;
  /** Resolves once no alert is being raised. */
  idle(): Promise<void>;
  /** Stops probing and waits for alerts being raised. */
  close(): Promise<void>;
}

export function createBridgeAlerts(options: BridgeAlertOptions): BridgeAlerts {
  const { client, taskQueue, routes, log } = options;
  const now = options.now ?? (() => Date.now());
  const timeoutMs = options.temporalTimeoutMs ?? 5000;
  const attempts = options.directAttempts ?? 3;
  const count = options.count ?? (() => undefined);
  const bursts = new DeadLetterBursts(options.deadLetterBurst ?? pipeline.watch.deadLetterBurst);
  const outages = new TemporalOutages(options.temporalUnreachableAfterMs ?? pipeline.watch.temporalUnreachableAfter);
  /** Alert ids delivered by the bridge itself, and those being delivered. */
  const deliveredDirectly = new Set<string>();
  const raising = new Map<string, Promise<AlertOutcome>>();
  const today = () => calendarDateIn(pipeline.watch.alertTimeZone, new Date(now()));

  function raise(alert: Alert, viaTemporal: boolean): Promise<AlertOutcome> {
    const id = alertWorkflowId(alert);
    const pending = raising.get(id);
    if (pending) return pending;
    const raised = (async () => {
      if (deliveredDirectly.has(id)) return counted(alert, 'direct', 'deduplicated');
      if (viaTemporal) {
        try {
          const sent = await client.connection.withDeadline(Date.now() + timeoutMs, () =>
            startAlertWorkflow(client, taskQueue, alert),
          );
          temporalReached(true);
          log.info(
            { workflow_id: id, kind: alertKindOf(alert), outcome: sent.outcome },
            'alert raised through Temporal',
          );
          return counted(alert, 'temporal', sent.outcome);
        } catch (error) {
          const { unreachable, description } = classifyTemporalError(error);
          if (unreachable) temporalReached(false, description);
          log.warn({ workflow_id: id, error: description }, 'Temporal did not take the alert; delivering it directly');
        }
      }
      return deliverDirectly(alert, id);
    })().finally(() => raising.delete(id));
    raising.set(id, raised);
    return raised;
  }

  async function deliverDirectly(alert: Alert, id: string): Promise<AlertOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await deliverToRoutes(alert, routes, log);
        deliveredDirectly.add(id);
        return counted(alert, 'direct', 'raised');
      } catch (error) {
        if (attempt >= attempts) {
          log.error({ err: error, workflow_id: id, attempts }, 'could not deliver the alert');
          return counted(alert, 'direct', 'failed');
        }
        await new Promise((resolve) => setTimeout(resolve, 1000 * 2 ** (attempt - 1)));
      }
    }
  }

  function counted(alert: Alert, path: AlertPath, outcome: AlertOutcome): AlertOutcome {
    count({ kind: alertKindOf(alert), path, outcome });
    return outcome;
  }

  function burstAlert(burst: Burst): Alert {
    const minutes = (options.deadLetterBurst ?? pipeline.watch.deadLetterBurst).within / 60_000;
    const reasons = Object.entries(burst.reasons)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
    // `late` letters are messages for closed dates: noisy, not broken. A kind of their own, so a warning
    // about them never holds back (by the per-day dedupe) a critical burst later that day.
    const onlyLate = Object.keys(burst.reasons).every((kind) => kind === 'late');
    return {
      kind: onlyLate ? 'dead-letter-burst-late' : 'dead-letter-burst',
      severity: onlyLate ? 'warning' : 'critical',
      title: `dead-letter-burst: ${burst.count} dead letters within ${minutes} min (${reasons})`,
      game_date: today(),
      details: {
        dead_letters: burst.count,
        reasons: burst.reasons,
        first_at: new Date(burst.firstAt).toISOString(),
        last_at: new Date(burst.lastAt).toISOString(),
        review: deadLetterReviewSubscription,
      },
    };
  }

  function outageAlert(outage: Outage): Alert {
    const target = options.temporalTarget ? ` at ${options.temporalTarget}` : '';
    return {
      kind: 'temporal-unreachable',
      severity: 'critical',
      title: `temporal-unreachable: the bridge has not reached Temporal${target} for ${Math.round(outage.forMs / 1000)} s; completions wait in Pub/Sub`,
      game_date: today(),
      details: {
        since: new Date(outage.since).toISOString(),
        ...(outage.lastError ? { last_error: outage.lastError } : {}),
      },
    };
  }

  function temporalReached(reachable: boolean, error?: string): void {
    const ended = outages.note(reachable, now(), error);
    if (ended) {
      // The next outage is a new one: it pages again, even on the same day.
      deliveredDirectly.delete(alertWorkflowId(outageAlert(ended)));
      log.info(
        {
          kind: 'temporal-unreachable',
          down_for_s: Math.round(ended.forMs / 1000),
          since: new Date(ended.since).toISOString(),
        },
        'Temporal reachable again: recovered',
      );
    }
  }

  function alertIfDown(): void {
    const outage = outages.due(now());
    if (!outage) return;
    void raise(outageAlert(outage), false).then((outcome) => {
      if (outcome !== 'failed') outages.markAlerted(); // failed: tried again at the next probe
    });
  }

  async function probeTemporal(): Promise<boolean> {
    try {
      const { connection } = options;
      await connection.withDeadline(Date.now() + timeoutMs, () => connection.healthService.check({}));
      temporalReached(true);
      return true;
    } catch (error) {
      temporalReached(false, classifyTemporalError(error).description);
      return false;
    } finally {
      alertIfDown();
    }
  }

  let probing: Promise<boolean> | undefined;
  const probe = setInterval(() => {
    probing ??= probeTemporal().finally(() => (probing = undefined));
  }, options.probeEveryMs ?? 10_000);
  probe.unref();

  const idle = async () => {
    while (raising.size > 0) await Promise.all(raising.values());
  };

  return {
    watchDeadLetters(deadLetter) {
      return async (rejected) => {
        await deadLetter(rejected);
        const burst = bursts.note(rejected.reason, now());
        if (burst) void raise(burstAlert(burst), true);
      };
    },
    temporalReached,
    probeTemporal,
    idle,
    async close() {
      clearInterval(probe);
      await probing;
      await idle();
    },
  };
}

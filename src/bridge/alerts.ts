// The bridge's own alerts, through the same path and routes as the workflows' (src/alerts/send.ts):
// a burst of dead letters, and Temporal unreachable (or refusing the bridge) for longer than a minute.
//
// Dead letters are counted across replicas: each one is signalled to the `dead-letter-bursts`
// workflow, which raises the burst's alert and resolves it once the burst is over. While Temporal
// cannot be reached, this replica counts what it publishes itself and delivers a burst directly.
// An outage is this replica's own view: it delivers the alert to the routes itself (one route
// at a time, never repeating a route that answered) and resolves it in PagerDuty when Temporal
// answers again. What it delivered is remembered in memory: a bridge restarted during the same
// outage pages again, once — PagerDuty folds that into the open incident (same `dedup_key`).
import type { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { alertKindOf, alertWorkflowId, type Alert, type AlertAction, type AlertRoute } from '../alerts/alert';
import { burstAlert } from '../alerts/bursts';
import { deliverDirectly, type AlertRoutes } from '../alerts/send';
import { pipeline } from '../pipeline/definition';
import { calendarDateIn } from '../time';
import { deadLetterBurstsWorkflowId, deadLetterSeenSignal } from '../alerts/dead-letter-bursts';
import { DeadLetterBursts, TemporalOutages, type BurstRule, type Outage } from './alert-rules';
import { classifyTemporalError } from './classify';
import type { DeadLetter } from '../messages/dead-letter';
import { reasonKind } from './metrics';

export type AlertPath = 'temporal' | 'direct';
export type AlertOutcome = 'raised' | 'deduplicated' | 'failed' | 'resolved';

export interface BridgeAlertOptions {
  client: Client;
  /** The client's connection: deadlines on the calls the bridge makes for its alerts. */
  connection: Connection;
  /** The worker's task queue: the alert and burst-counting workflows run there. */
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
  /** How often Temporal is asked about the namespace, besides what the messages' signals say. Default 10 s. */
  probeEveryMs?: number;
  /** A call to Temporal not answered by then counts as unreachable. Default 5 s. */
  temporalTimeoutMs?: number;
  /** Attempts at each route when delivering directly. Default 3, a second apart and doubling. */
  directAttempts?: number;
  /** The clock the rules and alert dates read (deadlines on Temporal calls use the real one). */
  now?: () => number;
}

export interface BridgeAlerts {
  /** The same dead-letter publisher, counting each dead letter published toward a burst. */
  watchDeadLetters(deadLetter: DeadLetter): DeadLetter;
  /** Told whether a call to Temporal got through (the handler's signals and export starts). */
  temporalReached(reachable: boolean, error?: string): void;
  /** The last real call's verdict (a signal, an export start, the periodic probe): what /readyz reports. */
  temporalReachable(): boolean;
  /** Asks Temporal about the bridge's namespace now (the periodic probe). */
  probeTemporal(): Promise<boolean>;
  /** Resolves once no alert is being raised and no dead letter is being counted. */
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
  const rule = options.deadLetterBurst ?? pipeline.watch.deadLetterBurst;
  const localBursts = new DeadLetterBursts(rule);
  const outages = new TemporalOutages(options.temporalUnreachableAfterMs ?? pipeline.watch.temporalUnreachableAfter);
  /** Per alert id (and action), the routes this process has delivered it to. */
  const deliveredRoutes = new Map<string, Set<AlertRoute>>();
  const pending = new Set<Promise<unknown>>();
  /** The outage alert raised for the current outage, to resolve when it ends. */
  let outageRaised: Alert | undefined;
  const today = () => calendarDateIn(pipeline.watch.alertTimeZone, new Date(now()));

  function track<T>(work: Promise<T>): Promise<T> {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  }

  /** Delivers to the routes not yet delivered; `failed` leaves the rest for the next call. */
  async function deliver(alert: Alert, action: AlertAction = 'trigger'): Promise<AlertOutcome> {
    const key = `${alertWorkflowId(alert)} ${action}`;
    const done = deliveredRoutes.get(key) ?? new Set<AlertRoute>();
    const result = await deliverDirectly(alert, routes, log, { action, attempts, alreadyDelivered: done });
    deliveredRoutes.set(key, new Set(result.delivered));
    const kind = alertKindOf(alert);
    if (result.failed.length > 0) {
      log.error(
        { workflow_id: alertWorkflowId(alert), action, failed: result.failed, attempts },
        'could not deliver the alert',
      );
      count({ kind, path: 'direct', outcome: 'failed' });
      return 'failed';
    }
    const outcome: AlertOutcome = action === 'resolve' ? 'resolved' : 'raised';
    count({ kind, path: 'direct', outcome });
    return outcome;
  }

  function outageAlert(outage: Outage): Alert {
    const target = options.temporalTarget ? ` at ${options.temporalTarget}` : '';
    const why = outage.lastError ? ` (${outage.lastError})` : '';
    return {
      kind: 'temporal-unreachable',
      severity: 'critical',
      title: `temporal-unreachable: the bridge has not reached Temporal${target} for ${Math.round(outage.forMs / 1000)} s${why}; completions wait in Pub/Sub`,
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
      log.info(
        {
          kind: 'temporal-unreachable',
          down_for_s: Math.round(ended.forMs / 1000),
          since: new Date(ended.since).toISOString(),
        },
        'Temporal reachable again: recovered',
      );
    }
    // Resolved even when a route never took the alert: PagerDuty may have paged all the same.
    const raised = outageRaised;
    if (!reachable || !raised) return;
    outageRaised = undefined;
    void track(deliver(raised, 'resolve'));
    // The next outage is a new one: it pages again, even on the same day.
    deliveredRoutes.delete(`${alertWorkflowId(raised)} trigger`);
  }

  let alerting: Promise<unknown> | undefined;
  function alertIfDown(): void {
    const outage = outages.due(now());
    if (!outage || alerting) return;
    outageRaised ??= outageAlert(outage);
    const alert = outageRaised;
    alerting = track(deliver(alert)).then((outcome) => {
      alerting = undefined;
      if (outcome !== 'failed') outages.markAlerted(); // failed: the routes that failed are tried again at the next probe
    });
  }

  async function probeTemporal(): Promise<boolean> {
    try {
      // About the namespace, not just the server: a wrong namespace or a key for another one fails here too.
      await client.connection.withDeadline(Date.now() + timeoutMs, () =>
        client.workflowService.describeNamespace({ namespace: client.options.namespace }),
      );
      temporalReached(true);
      return true;
    } catch (error) {
      const { unreachable, description } = classifyTemporalError(error);
      temporalReached(!unreachable, description);
      return !unreachable;
    } finally {
      alertIfDown();
    }
  }

  /** Tells the counting workflow; false when Temporal did not take it (or is known to be down). */
  async function countAcrossReplicas(kind: string, at: number): Promise<boolean> {
    if (!outages.reachable()) return false;
    try {
      await client.connection.withDeadline(Date.now() + timeoutMs, () =>
        client.workflow.signalWithStart('deadLetterBurstsWorkflow', {
          workflowId: deadLetterBurstsWorkflowId,
          taskQueue,
          // The first replica's rule starts the count; they all read pipeline.watch, so it is the same.
          args: [{ recent: [] }, rule],
          signal: deadLetterSeenSignal,
          signalArgs: [{ kind, at }],
        }),
      );
      temporalReached(true);
      return true;
    } catch (error) {
      const { unreachable, description } = classifyTemporalError(error);
      if (unreachable) temporalReached(false, description);
      log.warn({ error: description }, 'could not count the dead letter in Temporal; counting it here');
      return false;
    }
  }

  let probing: Promise<boolean> | undefined;
  const probe = setInterval(() => {
    probing ??= probeTemporal().finally(() => (probing = undefined));
  }, options.probeEveryMs ?? 10_000);
  probe.unref();

  const idle = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };

  return {
    watchDeadLetters(deadLetter) {
      return async (rejected) => {
        await deadLetter(rejected);
        const kind = reasonKind(rejected.reason);
        const at = now();
        void track(
          countAcrossReplicas(kind, at).then(async (counted) => {
            if (counted) return;
            const burst = localBursts.note(rejected.reason, at);
            if (burst) await deliver(burstAlert(burst, rule));
          }),
        );
      };
    },
    temporalReached,
    temporalReachable: () => outages.reachable(),
    probeTemporal,
    idle,
    async close() {
      clearInterval(probe);
      await probing;
      await idle();
    },
  };
}

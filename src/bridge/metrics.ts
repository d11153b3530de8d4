// What the bridge counts, for its /metrics: every message by topic and how it ended, the time
// Temporal took to accept a signal, and what is held right now. Wraps the handler, so push and
// pull are counted alike.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { bridgeTopics } from '../pipeline/definition';
import type { Handle } from './handler';

export interface BridgeMetrics {
  registry: Registry;
  instrument(handle: Handle): Handle;
  /** Counts one alert the bridge raised (src/bridge/alerts.ts). */
  countAlert(labels: { kind: string; path: string; outcome: string }): void;
}

/** The dead-letter reason's kind (`invalid`, `oversized`, `late`, `future`, `exhausted`, `rejected`): few values. */
export const reasonKind = (reason: string): string => /^([a-z-]+):/.exec(reason)?.[1] ?? 'other';

const deadLetterReasonKinds = ['invalid', 'oversized', 'late', 'future', 'exhausted', 'rejected'];

export function createBridgeMetrics(): BridgeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'bridge_' });
  const metrics = bridgeMetricsIn(registry);
  startAtZero(metrics);
  return {
    registry,
    countAlert: (labels) => metrics.alerts.inc(labels),
    instrument: (handle) => instrument(metrics, handle),
  };
}

type Metrics = ReturnType<typeof bridgeMetricsIn>;

function bridgeMetricsIn(registry: Registry) {
  const received = new Counter({
    name: 'bridge_messages_received_total',
    help: 'Completion messages received (pull and push), redeliveries included',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  const acked = new Counter({
    name: 'bridge_messages_acked_total',
    help: 'Messages acknowledged: signalled to Temporal, or dead-lettered',
    labelNames: ['topic', 'outcome'] as const,
    registers: [registry],
  });
  const nacked = new Counter({
    name: 'bridge_messages_nacked_total',
    help: 'Messages left for redelivery after a transient failure',
    labelNames: ['topic'] as const,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'bridge_messages_dead_lettered_total',
    help: 'Messages dead-lettered, by the kind of reason (invalid, oversized, late, future, exhausted, rejected)',
    labelNames: ['topic', 'reason'] as const,
    registers: [registry],
  });
  const signalSeconds = new Histogram({
    name: 'bridge_signal_duration_seconds',
    help: 'From receipt to the verdict of a message Temporal accepted (signal-with-start)',
    labelNames: ['topic'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const alerts = new Counter({
    name: 'bridge_alerts_total',
    help: 'Alerts the bridge delivered to the routes itself (temporal-unreachable; dead-letter-burst while Temporal cannot count it), by path (direct) and outcome (raised, resolved, failed)',
    labelNames: ['kind', 'path', 'outcome'] as const,
    registers: [registry],
  });
  const outstanding = new Gauge({
    name: 'bridge_messages_outstanding',
    help: 'Messages received and not yet acked or nacked',
    registers: [registry],
  });
  return { received, acked, nacked, deadLettered, signalSeconds, alerts, outstanding };
}

// Every known label set starts at 0, so increase() sees the first dead letter after a restart.
function startAtZero({ received, acked, nacked, deadLettered, alerts }: Metrics): void {
  for (const topic of bridgeTopics) {
    received.inc({ topic }, 0);
    nacked.inc({ topic }, 0);
    for (const outcome of ['signalled', 'dead-lettered']) acked.inc({ topic, outcome }, 0);
    for (const reason of deadLetterReasonKinds) deadLettered.inc({ topic, reason }, 0);
  }
  for (const kind of ['dead-letter-burst', 'dead-letter-burst-late', 'temporal-unreachable']) {
    for (const path of ['temporal', 'direct']) alerts.inc({ kind, path, outcome: 'failed' }, 0);
  }
}

/** Counts each message the handler decides on, and how it ended. */
function instrument(metrics: Metrics, handle: Handle): Handle {
  const { received, acked, nacked, deadLettered, signalSeconds, outstanding } = metrics;
  return async (message) => {
    const topic = message.topic || 'unknown';
    received.inc({ topic });
    outstanding.inc();
    const endTimer = signalSeconds.startTimer({ topic });
    try {
      const verdict = await handle(message);
      if (verdict.action === 'nack') {
        nacked.inc({ topic });
      } else {
        acked.inc({ topic, outcome: verdict.outcome });
        if (verdict.outcome === 'dead-lettered') deadLettered.inc({ topic, reason: reasonKind(verdict.reason) });
        else endTimer();
      }
      return verdict;
    } finally {
      outstanding.dec();
    }
  };
}

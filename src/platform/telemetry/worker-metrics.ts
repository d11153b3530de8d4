// The worker process's own metrics (prom-client): Node's process metrics. The SDK's and the
// pipeline's (emitted from workflows) come from the Runtime's exporter, served on the same /metrics.
import { Registry, collectDefaultMetrics } from 'prom-client';

export function workerMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'worker_' });
  return registry;
}

// The worker's one Temporal Runtime: the SDK's, core's and the workflows' logs go to the project's
// pino logger at one LOG_LEVEL, and the SDK's metrics to a Prometheus endpoint the worker's own
// /metrics serves together with ours (src/telemetry/worker-http.ts).
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogEntry } from '@temporalio/worker';
import type { LogLevel as SdkLogLevel } from '@temporalio/common';
import type { Logger } from 'pino';
import type { LogLevel } from '../config';

/** The SDK's levels have no `fatal` or `silent`: the pino logger drops what its level hides anyway. */
const sdkLevel: Record<LogLevel, SdkLogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

const pinoLevel: Record<SdkLogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Forwards one SDK log entry to pino, keeping its fields (workflow id, run id, activity type …). */
export function forwardToPino(log: Logger) {
  return ({ level, message, meta }: LogEntry): void => {
    log[pinoLevel[level]]({ sdk: true, ...meta }, message);
  };
}

/**
 * Installs the Runtime once, before any connection or worker exists. `prometheusAddress` is where
 * core serves the SDK's metrics (host:port).
 */
export function installRuntime(log: Logger, level: LogLevel, prometheusAddress: string): void {
  Runtime.install({
    logger: new DefaultLogger(sdkLevel[level], forwardToPino(log)),
    telemetryOptions: {
      logging: {
        forward: {},
        filter: makeTelemetryFilterString({ core: sdkLevel[level], other: sdkLevel[level] }),
      },
      metrics: {
        prometheus: {
          bindAddress: prometheusAddress,
          countersTotalSuffix: true,
          // The pipeline's latencies are minutes (seed targets 2, 5, 10 and 60 minutes), not milliseconds.
          histogramBucketOverrides: { pipeline_latency_seconds: [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200] },
        },
      },
    },
  });
}

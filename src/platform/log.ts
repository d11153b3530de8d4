// Structured logging for the worker, bridge and CLI: fields, not prose. One logger per process: the
// worker's Runtime forwards the SDK's and the workflows' logs here too (src/telemetry/runtime.ts).
// In Google Cloud's format (LOG_FORMAT=gcp, the image's default): `severity` Cloud Logging reads,
// and the active span's trace and span ids, so a log line opens its trace.
import { trace } from '@opentelemetry/api';
import { createGcpLoggingPinoConfig } from '@google-cloud/pino-logging-gcp-config';
import pino from 'pino';
import { initialLogLevel } from './config';

/** The active span's ids, as OpenTelemetry's log data model names them (the GCP config maps them). */
function traceFields(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  if (!span) return {};
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}`.slice(-2) };
}

function createLogger(): pino.Logger {
  const level = initialLogLevel();
  if (process.env.LOG_FORMAT !== 'gcp') return pino({ level, mixin: traceFields });
  const version = process.env.TEMPORAL_WORKER_BUILD_ID?.trim() || undefined;
  return pino(
    createGcpLoggingPinoConfig(
      {
        // Given, not detected: no call to the metadata server at start.
        serviceContext: { service: process.env.OTEL_SERVICE_NAME ?? 'game-day-pipeline', version },
        traceGoogleCloudProjectId: process.env.GCP_PROJECT,
        inihibitDiagnosticMessage: true,
      },
      { level, mixin: traceFields },
    ),
  );
}

// The level is LOG_LEVEL's from the start (a process's main re-applies the validated one).
export const log = createLogger();

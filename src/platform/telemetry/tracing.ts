// OpenTelemetry traces, off unless an OTLP endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, read in config.ts). The exporter and the resource follow the
// standard variables: OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf, the default, or http/json),
// OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME; the build id is
// service.version. The bridge opens a span per message; the
// Temporal interceptors carry it through signal-with-start into the workflow and on to the
// activities it runs (the publish activity tags its span too).
import { context, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { OpenTelemetryPlugin, OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config';

export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  spanProcessor: SpanProcessor;
  shutdown(): Promise<void>;
}

/** Installs the tracer provider for this process, or undefined when tracing is off. */
export function startTracing(config: Config, process: 'worker' | 'bridge'): Tracing | undefined {
  if (!config.tracing) return undefined;
  const { serviceName, protocol, version } = config.tracing;
  // Ours first, then OTEL_RESOURCE_ATTRIBUTES (and OTEL_SERVICE_NAME) over them.
  const resource = new Resource({
    [ATTR_SERVICE_NAME]: serviceName ?? `game-day-pipeline-${process}`,
    [ATTR_SERVICE_VERSION]: version,
  }).merge(envDetectorSync.detect());
  // The exporters read the endpoint, headers, timeout and compression from the OTEL_* variables.
  const exporter = protocol === 'http/json' ? new OTLPJsonTraceExporter() : new OTLPProtobufTraceExporter();
  const spanProcessor = new BatchSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  // The interceptors carry the context in Temporal headers through the global propagator (W3C).
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  return {
    tracer: provider.getTracer('game-day-pipeline'),
    resource,
    spanProcessor,
    shutdown: () => provider.shutdown(),
  };
}

/** Client interceptors that put the active span into the workflow's headers (empty when off). */
export function clientTracingInterceptors(tracing: Tracing | undefined) {
  return tracing ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } : undefined;
}

/** The worker plugin: workflow, activity and client interceptors plus the span exporter sink. */
export function workerTracingPlugins(tracing: Tracing | undefined) {
  return tracing
    ? [
        new OpenTelemetryPlugin({
          resource: tracing.resource,
          spanProcessor: tracing.spanProcessor,
          tracer: tracing.tracer,
        }),
      ]
    : [];
}

/** The workflow interceptor module the prebuilt bundle includes, so tracing can be turned on without rebuilding. */
export const workflowTracingModule =
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

/** Runs `work` inside a span tagged with `attributes`; ends it with the outcome. Without tracing, just runs it. */
export async function inSpan<T>(
  tracing: Tracing | undefined,
  name: string,
  attributes: Record<string, string | number | undefined>,
  work: (span?: Span) => Promise<T>,
): Promise<T> {
  if (!tracing) return work();
  return tracing.tracer.startActiveSpan(name, async (span) => {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) span.setAttribute(key, value);
    try {
      return await work(span);
    } finally {
      span.end();
    }
  });
}

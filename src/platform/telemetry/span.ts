// Tagging the active span, for code that should not load the tracing SDK (OpenTelemetry's API only:
// a no-op while tracing is off).
import { trace } from '@opentelemetry/api';

/** Tags the active span (the bridge's per message, an activity's) with the fields operators search by. */
export function tagActiveSpan(attributes: Record<string, string | null | undefined>): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  for (const [key, value] of Object.entries(attributes)) if (value) span.setAttribute(key, value);
}

// `pipeline status` asks Temporal's HTTP API first: a describe and the run's status query over
// plain fetch, so the command answers without loading the gRPC client (most of its start-up time).
// Anything but two clean answers is undefined, and the caller asks over gRPC with all its fallbacks.
import type { Config } from '../platform/config';
import { workflowIdFor } from '../pipeline/ids';
import type { GameDayStatus } from '../date-run/status';
import type { SourcedStatus } from './status-sources';
import { webUiLink } from './web-ui';

/** A run that takes longer than this to answer is left to the gRPC path, which waits longer and falls back. */
const answerWithinMs = 2000;

interface Payload {
  metadata?: { encoding?: string };
  data?: string;
}

export async function statusOverHttp(config: Config, date: string): Promise<SourcedStatus | undefined> {
  const api = httpApiOf(config);
  if (!api) return undefined;
  const workflowId = workflowIdFor(date);
  const run = `${api.url}/api/v1/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  try {
    const [described, queried] = await Promise.all([
      call<{ workflowExecutionInfo?: { status?: string } }>(api, run),
      // Payloads as Temporal stores them: the shorthand form turns empty lists into nulls.
      call<{ queryResult?: { payloads?: Payload[] } }>(api, `${run}/query/status?noPayloadShorthand=true`, {
        query: { queryType: 'status' },
      }),
    ]);
    const temporalStatus = described?.workflowExecutionInfo?.status?.replace('WORKFLOW_EXECUTION_STATUS_', '');
    const status = decodeJson(queried?.queryResult?.payloads?.[0]) as GameDayStatus | undefined;
    if (!temporalStatus || !status) return undefined;
    return { ...status, source: 'live', temporal_status: temporalStatus, web_ui: webUiLink(workflowId) };
  } catch {
    return undefined;
  }
}

/**
 * The HTTP API, when configured and reachable with what fetch can present (not a TLS client
 * certificate). An API key goes only to an https URL: never in clear text.
 */
function httpApiOf(config: Config): { url: string; headers: Record<string, string> } | undefined {
  const { httpUrl, connection } = config.temporal;
  const tls = typeof connection.tls === 'object' ? connection.tls : undefined;
  if (!httpUrl || tls?.clientCertPair || tls?.serverRootCACertificate) return undefined;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (typeof connection.apiKey === 'string') {
    if (!httpUrl.startsWith('https://')) return undefined;
    headers.authorization = `Bearer ${connection.apiKey}`;
  }
  return { url: httpUrl, headers };
}

async function call<T>(api: { headers: Record<string, string> }, url: string, body?: unknown): Promise<T | undefined> {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: api.headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(answerWithinMs),
  });
  return response.ok ? ((await response.json()) as T) : undefined;
}

/** A `json/plain` payload (encoding and data base64, as the HTTP API spells bytes). */
function decodeJson(payload: Payload | undefined): unknown {
  if (!payload?.data || !payload.metadata?.encoding) return undefined;
  if (Buffer.from(payload.metadata.encoding, 'base64').toString('utf8') !== 'json/plain') return undefined;
  return JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'));
}

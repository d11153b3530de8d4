// The one place that reads the environment (and the Temporal client config file it points to).
// Processes call `loadProcessConfig()` from their main; nothing here runs at import time.
//
// PIPELINE_ENV decides what a missing variable means. `local` (the default outside the image): every
// server on 127.0.0.1 at the port `npm start` prints; set an emulator variable to the empty string to
// talk to real Google Cloud. `production` (the image's default, through NODE_ENV=production): no
// emulator, no local address — Temporal's address comes from TEMPORAL_ADDRESS or a TOML profile, and
// a missing one is an error, never 127.0.0.1.
import fs from 'node:fs';
import path from 'node:path';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { z } from 'zod';
import { deliveryDefaults, pubsubLimits } from '../messages/limits';
import { issueLines } from '../messages/parse';
import { errorMessage } from './errors';
import { projectRoot } from './paths';

export const localDefaults = {
  temporalAddress: '127.0.0.1:7233',
  pubsubEmulatorHost: '127.0.0.1:8085',
  bigqueryEmulatorHost: 'http://127.0.0.1:9050',
};

const optionalText = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Names this project used before the standard ones of @temporalio/envconfig: refused, with the new name. */
const renamedVariables: Record<string, string> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
};

export const configSchema = z.object({
  PIPELINE_ENV: z
    .enum(['local', 'production'])
    .optional()
    .describe(
      '`local` fills every unset address with the local stack’s; `production` fills in nothing and refuses emulators. Unset: `production` when NODE_ENV is, else `local`',
    ),
  NODE_ENV: z
    .string()
    .optional()
    .describe('`production` (the image sets it) makes PIPELINE_ENV default to `production`'),
  // The connection itself (address, namespace, API key, TLS, profiles) is @temporalio/envconfig's.
  TEMPORAL_TASK_QUEUE: z
    .string()
    .min(1)
    .default('game-day-pipeline')
    .describe('the task queue of every workflow and activity'),
  // Worker Versioning: on when a build id is set, or when asked for (the image asks, and takes the
  // build id from its build argument: an image built without one has none, and its worker refuses).
  TEMPORAL_DEPLOYMENT_NAME: z
    .string()
    .min(1)
    .default('game-day-pipeline')
    .describe('the Worker Deployment the worker’s build belongs to'),
  TEMPORAL_WORKER_BUILD_ID: optionalText.describe(
    'the worker’s build id (the image’s tag); unset: no Worker Versioning',
  ),
  TEMPORAL_WORKER_VERSIONING: z
    .enum(['true', 'false'])
    .optional()
    .describe('`true`: a worker without a build id refuses to start (the image sets it); `false`: off even with one'),
  TEMPORAL_UI_URL: z
    .url()
    .optional()
    .describe('the Web UI the CLI links to; unset: port 8233 on the Temporal address’s host'),
  TEMPORAL_HTTP_URL: z
    .url()
    .optional()
    .describe(
      'Temporal’s HTTP API, which `pipeline status` asks first; unset: the gRPC port + 10 for a plain connection to this machine, else none',
    ),
  // An unset emulator variable is undefined; the empty string means "real Google Cloud" explicitly.
  PUBSUB_EMULATOR_HOST: z
    .string()
    .optional()
    .describe('the Pub/Sub emulator; unset: 127.0.0.1:8085 when local; empty: real Pub/Sub'),
  GCP_PROJECT: z.string().min(1).default('nba-props-platform').describe('the Google Cloud project'),
  BIGQUERY_EMULATOR_HOST: z
    .string()
    .optional()
    .describe('bqemulator; unset: http://127.0.0.1:9050 when local; empty: real BigQuery'),
  BIGQUERY_LOCATION: z
    .string()
    .min(1)
    .default('US')
    .describe('where `pipeline init` creates the nba_orchestration dataset (US, EU, us-east1 …)'),
  BRIDGE_HOST: z.string().min(1).default('127.0.0.1').describe('the bridge’s HTTP address (push, probes, /metrics)'),
  BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8080).describe('the bridge’s HTTP port'),
  BRIDGE_DRAIN_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300)
    .default(20)
    .describe('how long the bridge waits, on SIGTERM, for the messages it holds to be acked or nacked'),
  WORKER_METRICS_HOST: z
    .string()
    .min(1)
    .default('127.0.0.1')
    .describe('the worker’s /metrics (the SDK’s and the pipeline’s) and /healthz address'),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464).describe('the worker’s metrics port'),
  WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600)
    .default(30)
    .describe('how long a stopping worker lets running activities finish before it cancels them'),
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false').describe('`true` turns tracing off'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalText.describe('an OTLP collector: traces are off unless an endpoint is named'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalText.describe('the traces endpoint, over OTEL_EXPORTER_OTLP_ENDPOINT'),
  OTEL_SERVICE_NAME: optionalText.describe('the traces’ service name'),
  // The exporters read OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES themselves; gRPC is not shipped.
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'])
    .default('http/protobuf')
    .describe('the OTLP protocol (gRPC is not shipped)'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z
    .enum(['http/protobuf', 'http/json'])
    .optional()
    .describe('the traces’ protocol, over OTEL_EXPORTER_OTLP_PROTOCOL'),
  LOG_FORMAT: z
    .enum(['json', 'gcp'])
    .default('json')
    .describe('`json` (pino’s) or `gcp` (Cloud Logging’s severity, trace and span fields; the image’s default)'),
  // Push deployments point push subscriptions at the endpoint, turn push on and streaming pull off.
  BRIDGE_PULL: z.enum(['true', 'false']).default('true').describe('the bridge pulls the completion subscriptions'),
  BRIDGE_PUSH: z
    .enum(['true', 'false'])
    .default('false')
    .describe('the bridge accepts push deliveries on POST /pubsub/push'),
  BRIDGE_PUSH_TOKEN: z.string().optional().describe('a bearer token push requests must carry'),
  BRIDGE_PUSH_AUDIENCE: z
    .string()
    .optional()
    .describe('the audience of the Google-signed OIDC token push requests carry (needs BRIDGE_PUSH_SERVICE_ACCOUNT)'),
  BRIDGE_PUSH_SERVICE_ACCOUNT: z
    .string()
    .optional()
    .describe('the push subscription’s service account, which signs the OIDC token'),
  BRIDGE_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(pubsubLimits.messageBytes)
    .default(64 * 1024)
    .describe('a bigger message is dead-lettered as `oversized:`'),
  BRIDGE_MAX_PUSH_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(pubsubLimits.pushBodyBytes)
    .default(1024 * 1024)
    .describe('a bigger push body is dead-lettered as `oversized:`'),
  BRIDGE_MAX_OUTSTANDING: z.coerce
    .number()
    .int()
    .positive()
    .default(200)
    .describe('messages each bridge holds at once (flow control)'),
  // The subscriptions' dead-letter policy allows 10 more, at most Pub/Sub's 100.
  BRIDGE_MAX_DELIVERIES: z.coerce
    .number()
    .int()
    .min(1)
    .max(90)
    .default(deliveryDefaults.maxDeliveries)
    .describe('deliveries before a message that keeps failing is dead-lettered as `exhausted:`'),
  BRIDGE_RETRY_MIN_BACKOFF_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600)
    .default(deliveryDefaults.minBackoffSeconds)
    .describe('the first wait before a failing message is delivered again'),
  BRIDGE_RETRY_MAX_BACKOFF_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(600)
    .default(deliveryDefaults.maxBackoffSeconds)
    .describe('the longest wait before a failing message is delivered again'),
  BRIDGE_REDELIVERY: z
    .enum(['retry-policy', 'ack-deadline'])
    .optional()
    .describe(
      '`retry-policy` (Pub/Sub spaces redeliveries) or `ack-deadline` (an emulator, which ignores retry policies); unset: `ack-deadline` with an emulator',
    ),
  BRIDGE_MAX_DAYS_AHEAD: z.coerce
    .number()
    .int()
    .min(0)
    .default(30)
    .describe('a game date further ahead of today (UTC) is dead-lettered as `future:`'),
  BRIDGE_RESUBSCRIBE_GIVE_UP_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(300)
    .describe('how long the bridge keeps trying to resubscribe before it exits non-zero for its supervisor'),
  EXPORT_BUCKET: z
    .string()
    .optional()
    .describe('write exports to this Cloud Storage bucket (e.g. nba-props-platform-api); required in production'),
  EXPORT_DIR: z.string().min(1).default('.data/exports').describe('the local directory exports go to without a bucket'),
  ALERT_WEBHOOK_URL: z.url().optional().describe('a Slack incoming webhook for every alert'),
  PAGERDUTY_ROUTING_KEY: z.string().min(1).optional().describe('PagerDuty Events v2 routing key: critical alerts page'),
  PAGERDUTY_EVENTS_URL: z
    .url()
    .default('https://events.pagerduty.com/v2/enqueue')
    .describe('PagerDuty’s Events v2 endpoint'),
  LOG_LEVEL: z.enum(logLevels).default('info').describe('one level for the app’s, the SDK’s and the workflows’ logs'),
});

/** A configuration the processes must not start with; the message lists every problem. */
export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`invalid environment:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = z.infer<typeof configSchema>;
type TemporalConnection = NonNullable<ReturnType<typeof temporalConnection>['value']>;

export function loadConfig(env: NodeJS.ProcessEnv) {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(issueLines(parsed.error));
  const e = parsed.data;
  const environment = e.PIPELINE_ENV ?? (e.NODE_ENV === 'production' ? 'production' : 'local');
  const local = environment === 'local';
  const emulator = (value: string | undefined, fallback: string) =>
    value === undefined ? (local ? fallback : undefined) : value.trim() || undefined;
  const pubsubEmulatorHost = emulator(e.PUBSUB_EMULATOR_HOST, localDefaults.pubsubEmulatorHost);
  const bigqueryEmulatorHost = emulator(e.BIGQUERY_EMULATOR_HOST, localDefaults.bigqueryEmulatorHost);
  const temporal = temporalConnection(env, local);
  const exportBucket = e.EXPORT_BUCKET?.trim() || undefined;
  const problems = [
    ...temporal.problems,
    ...configProblems(env, e, { local, pubsubEmulatorHost, bigqueryEmulatorHost, exportBucket }),
  ];
  if (problems.length > 0 || !temporal.value) throw new ConfigError(problems);
  return {
    environment,
    temporal: temporalSettings(e, temporal.value),
    gcpProject: e.GCP_PROJECT,
    pubsubEmulatorHost,
    bigqueryEmulatorHost,
    bigqueryLocation: e.BIGQUERY_LOCATION,
    bridge: bridgeSettings(e, pubsubEmulatorHost),
    worker: {
      metricsHost: e.WORKER_METRICS_HOST,
      metricsPort: e.WORKER_METRICS_PORT,
      shutdownGraceMs: e.WORKER_SHUTDOWN_GRACE_SECONDS * 1000,
    },
    tracing: tracingSettings(e),
    exports: { bucket: exportBucket, dir: e.EXPORT_DIR },
    alerts: {
      slackWebhookUrl: e.ALERT_WEBHOOK_URL,
      pagerDuty: e.PAGERDUTY_ROUTING_KEY
        ? { routingKey: e.PAGERDUTY_ROUTING_KEY, eventsUrl: e.PAGERDUTY_EVENTS_URL }
        : undefined,
    },
    logLevel: e.LOG_LEVEL,
  };
}

/** What the variables say that cannot work together, or that a production process must not run with. */
function configProblems(
  env: NodeJS.ProcessEnv,
  e: Env,
  {
    local,
    pubsubEmulatorHost,
    bigqueryEmulatorHost,
    exportBucket,
  }: { local: boolean; pubsubEmulatorHost?: string; bigqueryEmulatorHost?: string; exportBucket?: string },
): string[] {
  return [
    ...Object.entries(renamedVariables)
      .filter(([old]) => env[old] !== undefined)
      .map(([old, standard]) => `${old} is no longer read: use ${standard} (@temporalio/envconfig)`),
    !local &&
      pubsubEmulatorHost &&
      `PUBSUB_EMULATOR_HOST is set (${pubsubEmulatorHost}) but PIPELINE_ENV is production: emulators are local only`,
    !local &&
      bigqueryEmulatorHost &&
      `BIGQUERY_EMULATOR_HOST is set (${bigqueryEmulatorHost}) but PIPELINE_ENV is production: emulators are local only`,
    !local &&
      !exportBucket &&
      'EXPORT_BUCKET is required when PIPELINE_ENV is production (exports go to Cloud Storage)',
    e.BRIDGE_PULL === 'false' &&
      e.BRIDGE_PUSH === 'false' &&
      'BRIDGE_PULL and BRIDGE_PUSH are both false: the bridge would consume nothing',
    // Any Google-signed token for the audience would pass: a token from any project's service account.
    e.BRIDGE_PUSH_AUDIENCE &&
      !e.BRIDGE_PUSH_TOKEN &&
      !e.BRIDGE_PUSH_SERVICE_ACCOUNT &&
      "BRIDGE_PUSH_AUDIENCE needs BRIDGE_PUSH_SERVICE_ACCOUNT (the push subscription's service account)",
    e.BRIDGE_RETRY_MIN_BACKOFF_SECONDS > e.BRIDGE_RETRY_MAX_BACKOFF_SECONDS &&
      'BRIDGE_RETRY_MIN_BACKOFF_SECONDS is above BRIDGE_RETRY_MAX_BACKOFF_SECONDS',
  ].filter((p): p is string => typeof p === 'string');
}

function temporalSettings(e: Env, connection: TemporalConnection) {
  return {
    ...connection,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    uiUrl: (e.TEMPORAL_UI_URL ?? `http://${connection.address.split(':')[0]}:8233`).replace(/\/+$/, ''),
    httpUrl: (e.TEMPORAL_HTTP_URL ?? localHttpUrl(connection))?.replace(/\/+$/, ''),
    versioning:
      e.TEMPORAL_WORKER_BUILD_ID && e.TEMPORAL_WORKER_VERSIONING !== 'false'
        ? { deploymentName: e.TEMPORAL_DEPLOYMENT_NAME, buildId: e.TEMPORAL_WORKER_BUILD_ID }
        : undefined,
    /** Versioning asked for without a build id: the worker refuses to start (`pipeline deploy` still works). */
    versioningWithoutBuildId: e.TEMPORAL_WORKER_VERSIONING === 'true' && !e.TEMPORAL_WORKER_BUILD_ID,
    deploymentName: e.TEMPORAL_DEPLOYMENT_NAME,
  };
}

function bridgeSettings(e: Env, pubsubEmulatorHost: string | undefined) {
  return {
    host: e.BRIDGE_HOST,
    port: e.BRIDGE_PORT,
    pull: e.BRIDGE_PULL === 'true',
    push: e.BRIDGE_PUSH === 'true',
    pushToken: e.BRIDGE_PUSH_TOKEN,
    pushAudience: e.BRIDGE_PUSH_AUDIENCE,
    pushServiceAccount: e.BRIDGE_PUSH_SERVICE_ACCOUNT,
    maxMessageBytes: e.BRIDGE_MAX_MESSAGE_BYTES,
    maxPushBodyBytes: e.BRIDGE_MAX_PUSH_BODY_BYTES,
    maxOutstanding: e.BRIDGE_MAX_OUTSTANDING,
    maxDeliveries: e.BRIDGE_MAX_DELIVERIES,
    backoff: { minSeconds: e.BRIDGE_RETRY_MIN_BACKOFF_SECONDS, maxSeconds: e.BRIDGE_RETRY_MAX_BACKOFF_SECONDS },
    redelivery: e.BRIDGE_REDELIVERY ?? (pubsubEmulatorHost ? ('ack-deadline' as const) : ('retry-policy' as const)),
    maxDaysAhead: e.BRIDGE_MAX_DAYS_AHEAD,
    resubscribeGiveUpMs: e.BRIDGE_RESUBSCRIBE_GIVE_UP_SECONDS * 1000,
    drainMs: e.BRIDGE_DRAIN_SECONDS * 1000,
  };
}

/** OpenTelemetry tracing, when an OTLP endpoint is set and the SDK is not disabled. */
function tracingSettings(e: Env) {
  const otlpEndpoint = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT;
  return e.OTEL_SDK_DISABLED === 'false' && otlpEndpoint
    ? {
        endpoint: otlpEndpoint,
        serviceName: e.OTEL_SERVICE_NAME,
        protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL,
        version: e.TEMPORAL_WORKER_BUILD_ID ?? packageVersion(),
      }
    : undefined;
}

/**
 * Temporal's connection from @temporalio/envconfig: the TOML profile (TEMPORAL_CONFIG_FILE,
 * TEMPORAL_PROFILE) overridden by TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY and
 * TEMPORAL_TLS_*. Locally an address left unset is the dev server's; in production it is an error.
 */
function temporalConnection(env: NodeJS.ProcessEnv, local: boolean) {
  const problems: string[] = [];
  const vars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  if (vars.TEMPORAL_CONFIG_FILE && !fs.existsSync(vars.TEMPORAL_CONFIG_FILE)) {
    problems.push(`TEMPORAL_CONFIG_FILE names a file that does not exist: ${vars.TEMPORAL_CONFIG_FILE}`);
    return { problems };
  }
  let profile: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: vars });
  } catch (error) {
    problems.push(`Temporal client config: ${errorMessage(error)}`);
    return { problems };
  }
  const tls = profile.tls;
  if (tls && !tls.disabled && Boolean(tls.clientCert) !== Boolean(tls.clientKey)) {
    problems.push(
      tls.clientCert
        ? 'a TLS client certificate without its key: set TEMPORAL_TLS_CLIENT_KEY_PATH too (or neither)'
        : 'a TLS client key without its certificate: set TEMPORAL_TLS_CLIENT_CERT_PATH too (or neither)',
    );
  }
  if (!profile.address && !local) {
    problems.push('TEMPORAL_ADDRESS (or a TOML profile with an address) is required when PIPELINE_ENV is production');
  }
  if (problems.length > 0) return { problems };
  const address = profile.address ?? localDefaults.temporalAddress;
  let connect: ReturnType<typeof toClientOptions>;
  try {
    connect = toClientOptions({ ...profile, address });
  } catch (error) {
    // e.g. a certificate path that cannot be read
    return { problems: [`Temporal TLS: ${errorMessage(error)}`] };
  }
  const value = {
    address,
    namespace: profile.namespace ?? 'default',
    /** What both Connection.connect and NativeConnection.connect take. */
    connection: {
      address,
      apiKey: connect.connectionOptions.apiKey,
      tls: connect.connectionOptions.tls,
      metadata: connect.connectionOptions.metadata,
    },
  };
  return { problems, value };
}

/**
 * A dev server's HTTP API, for a plain connection to this machine only: Temporal's convention puts it
 * 10 above the gRPC port (7233 → 7243). Anything else (a remote server, TLS, an API key) names its
 * HTTP API in TEMPORAL_HTTP_URL, so no credential ever goes out over plain HTTP by a guess.
 */
function localHttpUrl(temporal: {
  address: string;
  connection: { tls?: unknown; apiKey?: unknown };
}): string | undefined {
  const [host, port] = temporal.address.split(':');
  const loopback = host === 'localhost' || host === '::1' || /^127\./.test(host ?? '');
  if (!loopback || temporal.connection.tls || temporal.connection.apiKey) return undefined;
  return `http://${host}:${Number(port) + 10}`;
}

/** The release, for service.version when the process has no build id (a local run). */
function packageVersion(): string {
  const file = path.join(projectRoot, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

export type Config = ReturnType<typeof loadConfig>;

let processConfig: Config | undefined;

/** The process's configuration, read from its environment on first use; throws a ConfigError. */
export function loadProcessConfig(): Config {
  return (processConfig ??= loadConfig(process.env));
}

/** LOG_LEVEL for the logger, which exists before the configuration is loaded; `info` if unset or unknown. */
export function initialLogLevel(): LogLevel {
  const level = process.env.LOG_LEVEL;
  return logLevels.find((l) => l === level) ?? 'info';
}

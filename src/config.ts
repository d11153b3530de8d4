// The one place that reads the environment. Defaults are the local stack's (every server on
// 127.0.0.1 at the port `npm start` prints); set an emulator variable to the empty string to talk to
// real Google Cloud instead.
import { z } from 'zod';
import { deliveryDefaults, pubsubLimits } from './bridge/limits';
import { issueLines } from './messages/parse';

const emulator = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) => v.trim() || undefined);

const schema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('game-day-pipeline'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS_CERT: z.string().optional(),
  TEMPORAL_TLS_KEY: z.string().optional(),
  PUBSUB_EMULATOR_HOST: emulator('127.0.0.1:8085'),
  GCP_PROJECT: z.string().min(1).default('nba-props-platform'),
  BIGQUERY_EMULATOR_HOST: emulator('http://127.0.0.1:9050'),
  BRIDGE_HOST: z.string().min(1).default('127.0.0.1'),
  BRIDGE_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  // Push deployments point push subscriptions at the endpoint, turn push on and streaming pull off.
  BRIDGE_PULL: z.enum(['true', 'false']).default('true'),
  BRIDGE_PUSH: z.enum(['true', 'false']).default('false'),
  BRIDGE_PUSH_TOKEN: z.string().optional(),
  BRIDGE_PUSH_AUDIENCE: z.string().optional(),
  BRIDGE_PUSH_SERVICE_ACCOUNT: z.string().optional(),
  BRIDGE_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(pubsubLimits.messageBytes)
    .default(64 * 1024),
  BRIDGE_MAX_PUSH_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(pubsubLimits.pushBodyBytes)
    .default(1024 * 1024),
  BRIDGE_MAX_OUTSTANDING: z.coerce.number().int().positive().default(200),
  // Deliveries before a message that keeps failing is dead-lettered as `exhausted:` (the
  // subscriptions' dead-letter policy allows 10 more, at most Pub/Sub's 100).
  BRIDGE_MAX_DELIVERIES: z.coerce.number().int().min(1).max(90).default(deliveryDefaults.maxDeliveries),
  BRIDGE_RETRY_MIN_BACKOFF_SECONDS: z.coerce.number().int().min(0).max(600).default(deliveryDefaults.minBackoffSeconds),
  BRIDGE_RETRY_MAX_BACKOFF_SECONDS: z.coerce.number().int().min(1).max(600).default(deliveryDefaults.maxBackoffSeconds),
  // retry-policy (Pub/Sub) or ack-deadline (an emulator, which ignores retry policies); see src/bridge/pull.ts.
  BRIDGE_REDELIVERY: z.enum(['retry-policy', 'ack-deadline']).optional(),
  BRIDGE_MAX_DAYS_AHEAD: z.coerce.number().int().min(0).default(30),
  // How long the bridge keeps trying to resubscribe before it exits non-zero for its supervisor.
  BRIDGE_RESUBSCRIBE_GIVE_UP_SECONDS: z.coerce.number().int().positive().default(300),
  // Set (e.g. nba-props-platform-api) to write exports to Cloud Storage instead of a local directory.
  EXPORT_BUCKET: z.string().optional(),
  EXPORT_DIR: z.string().min(1).default('.data/exports'),
  // Slack incoming webhook for every alert; PagerDuty Events v2 for critical ones.
  ALERT_WEBHOOK_URL: z.url().optional(),
  PAGERDUTY_ROUTING_KEY: z.string().min(1).optional(),
  PAGERDUTY_EVENTS_URL: z.url().default('https://events.pagerduty.com/v2/enqueue'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export function loadConfig(env: NodeJS.ProcessEnv) {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = issueLines(parsed.error)
      .map((line) => `  ${line}`)
      .join('\n');
    throw new Error(`invalid environment:\n${problems}`);
  }
  const e = parsed.data;
  const bridgeProblems = [
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
  if (bridgeProblems.length > 0)
    throw new Error(`invalid environment:\n${bridgeProblems.map((p) => `  ${p}`).join('\n')}`);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls:
        e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
          ? { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY }
          : undefined,
    },
    gcpProject: e.GCP_PROJECT,
    pubsubEmulatorHost: e.PUBSUB_EMULATOR_HOST,
    bigqueryEmulatorHost: e.BIGQUERY_EMULATOR_HOST,
    bridge: {
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
      redelivery:
        e.BRIDGE_REDELIVERY ?? (e.PUBSUB_EMULATOR_HOST ? ('ack-deadline' as const) : ('retry-policy' as const)),
      maxDaysAhead: e.BRIDGE_MAX_DAYS_AHEAD,
      resubscribeGiveUpMs: e.BRIDGE_RESUBSCRIBE_GIVE_UP_SECONDS * 1000,
    },
    exports: { bucket: e.EXPORT_BUCKET?.trim() || undefined, dir: e.EXPORT_DIR },
    alerts: {
      slackWebhookUrl: e.ALERT_WEBHOOK_URL,
      pagerDuty: e.PAGERDUTY_ROUTING_KEY
        ? { routingKey: e.PAGERDUTY_ROUTING_KEY, eventsUrl: e.PAGERDUTY_EVENTS_URL }
        : undefined,
    },
    logLevel: e.LOG_LEVEL,
  };
}

export type Config = ReturnType<typeof loadConfig>;

export const config: Config = (() => {
  try {
    return loadConfig(process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
})();

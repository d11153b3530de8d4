// Turns one Pub/Sub message into a verdict: ack once Temporal accepted the signal or the message
// was dead-lettered with its reason; nack, with a per-message backoff, when something transient
// failed so Pub/Sub redelivers — until the delivery cap, then it is dead-lettered as `exhausted:`.
// Whatever would fail the same way on every delivery is dead-lettered at once: sizes over a limit
// (checked before Temporal is asked, so the reason is clear), bad input, far-future dates, and
// requests Temporal refuses as invalid.
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { parseCompletion, type Completion } from '../messages/completion';
import { addDays } from '../time';
import { isObject, parseJson } from '../messages/parse';
import { classifyTemporalError } from './classify';
import type { DeadLetter, IncomingMessage } from '../messages/dead-letter';
import { backoffSeconds, FailureCounts, type BackoffPolicy } from './deliveries';
import { byteLength, completionFieldCaps, deliveryDefaults, pubsubLimits, temporalLimits } from '../messages/limits';
import { pipeline } from '../pipeline/definition';
import { runRequestedExport } from './export-trigger';
import { signalCompletion } from '../date-run/client';
import { tagActiveSpan } from '../platform/telemetry/span';
import { errorMessage } from '../platform/errors';

export type { IncomingMessage, Rejected, DeadLetter } from '../messages/dead-letter';

export type Verdict =
  | { action: 'ack'; outcome: 'signalled'; workflowId: string }
  /** An export trigger: its export run started (or had, for a redelivery), or it was the orchestrator's own. */
  | { action: 'ack'; outcome: 'export-started' | 'not-ours'; workflowId?: string }
  | { action: 'ack'; outcome: 'dead-lettered'; reason: string }
  /** Deliver again, not before `retryAfterSeconds`. */
  | { action: 'nack'; retryAfterSeconds: number; error: string };

export type Handle = (message: IncomingMessage) => Promise<Verdict>;

export interface HandlerOptions {
  client: Client;
  taskQueue: string;
  maxMessageBytes: number;
  /** Resolves once the dead-letter topic has the message. */
  deadLetter: DeadLetter;
  /** How long to wait for Temporal before treating the attempt as failed. Default 10 s. */
  signalTimeoutMs?: number;
  /** Deliveries before a message that keeps failing is dead-lettered as `exhausted:`. */
  maxDeliveries?: number;
  /** Wait before the next delivery of a failed message, doubling per delivery. */
  backoff?: BackoffPolicy;
  /** A `game_date` more than this many days after today (UTC) is dead-lettered as `future:`. */
  maxDaysAhead?: number;
  now?: () => Date;
  /** Replaces limits.ts' caps (a test that wants Temporal itself to refuse a long field). */
  fieldCaps?: typeof completionFieldCaps;
  /** Told whether each call to Temporal reached it (the bridge's unreachable alert). */
  temporalReached?: (reachable: boolean, error?: string) => void;
  log: Logger;
}

export function createHandler(options: HandlerOptions): Handle {
  const decisions = new Decisions(options);
  return async function handle(message) {
    try {
      return await decisions.decide(message);
    } catch (error) {
      // Only the message can make the bridge's own reading of it throw (JSON nested too deep to
      // serialise, say): it would throw the same way at every delivery.
      return decisions.reject(message, `invalid: the bridge could not read it: ${errorMessage(error)}`);
    }
  };
}

type Settings = Required<Omit<HandlerOptions, 'client' | 'taskQueue' | 'maxMessageBytes' | 'deadLetter' | 'log'>>;

function withDefaults(options: HandlerOptions): Settings {
  return {
    signalTimeoutMs: options.signalTimeoutMs ?? 10_000,
    maxDeliveries: options.maxDeliveries ?? deliveryDefaults.maxDeliveries,
    backoff: options.backoff ?? {
      minSeconds: deliveryDefaults.minBackoffSeconds,
      maxSeconds: deliveryDefaults.maxBackoffSeconds,
    },
    maxDaysAhead: options.maxDaysAhead ?? 30,
    now: options.now ?? (() => new Date()),
    fieldCaps: options.fieldCaps ?? completionFieldCaps,
    temporalReached: options.temporalReached ?? (() => undefined),
  };
}

const keyOf = (message: IncomingMessage) => `${message.topic}\u0000${message.id}`;
const logFields = (message: IncomingMessage) => ({
  topic: message.topic,
  message_id: message.id,
  delivery_attempt: message.deliveryAttempt,
});

/** The handler's decisions, with the failures it counts per message. */
class Decisions {
  private readonly settings: Settings;
  // Failures per message, for subscriptions that do not count deliveries themselves.
  private readonly failures = new FailureCounts();

  constructor(private readonly options: HandlerOptions) {
    this.settings = withDefaults(options);
  }

  async decide(message: IncomingMessage): Promise<Verdict> {
    const overLimit =
      sizeProblem(message, this.options.maxMessageBytes) ?? fieldSizeProblem(message.data, this.settings.fieldCaps);
    if (overLimit) return this.reject(message, `oversized: ${overLimit}`);

    if (message.topic === pipeline.topics.phase6ExportTrigger) return this.decideExport(message);
    const parsed = parseCompletion(message.data.toString('utf8'), message.topic, message.id);
    if (!parsed.ok) return this.reject(message, `invalid: ${parsed.reason}`);
    const completion = parsed.value;
    const unfit = this.unfitCompletion(completion);
    if (unfit) return this.reject(message, unfit);
    return this.signal(message, completion);
  }

  async reject(message: IncomingMessage, reason: string): Promise<Verdict> {
    const { log } = this.options;
    try {
      await this.options.deadLetter({ message, reason });
    } catch (error) {
      log.error({ ...logFields(message), err: error, reason }, 'dead-letter publish failed; will redeliver');
      return this.nack(this.attemptOf(message), `dead-letter publish failed: ${errorMessage(error)}`);
    }
    this.failures.forget(keyOf(message));
    log.warn({ ...logFields(message), reason }, 'message dead-lettered');
    return { action: 'ack', outcome: 'dead-lettered', reason };
  }

  /** Why a parsed completion can never be signalled (a date too far ahead, too big), or undefined. */
  private unfitCompletion(completion: Completion): string | undefined {
    const { maxDaysAhead, now } = this.settings;
    const today = now().toISOString().slice(0, 10);
    if (completion.gameDate > addDays(today, maxDaysAhead)) {
      return `future: game_date ${completion.gameDate} is more than ${maxDaysAhead} days after today (${today} UTC)`;
    }
    const payloadBytes = signalPayloadBytes(completion);
    if (payloadBytes > temporalLimits.blobBytes) {
      return `oversized: the signal payload is ${payloadBytes} bytes; Temporal refuses payloads over ${temporalLimits.blobBytes}`;
    }
    return undefined;
  }

  private async signal(message: IncomingMessage, completion: Completion): Promise<Verdict> {
    const { client, taskQueue, log } = this.options;
    const fields = {
      ...logFields(message),
      game_date: completion.gameDate,
      processor: completion.processor,
      status: completion.status,
      correlation_id: completion.correlationId,
    };
    tagActiveSpan({ game_date: completion.gameDate, correlation_id: completion.correlationId });
    try {
      const deadline = Date.now() + this.settings.signalTimeoutMs;
      const delivered = await client.connection.withDeadline(deadline, () =>
        signalCompletion(client, taskQueue, completion),
      );
      this.settings.temporalReached(true);
      if (delivered.outcome === 'late') {
        return this.reject(message, `late: ${delivered.workflowId} has closed; a rerun is an explicit command`);
      }
      this.failures.forget(keyOf(message));
      log.info({ ...fields, workflow_id: delivered.workflowId }, 'completion signalled');
      return { action: 'ack', outcome: 'signalled', workflowId: delivered.workflowId };
    } catch (error) {
      const { permanent, description } = this.classified(error);
      if (permanent) return this.reject(message, `rejected: Temporal refused the signal: ${description}`);
      return this.retryOrExhaust(message, `Temporal did not accept the signal: ${description}`, fields);
    }
  }

  private async decideExport(message: IncomingMessage): Promise<Verdict> {
    const { client, taskQueue, log } = this.options;
    try {
      const requested = await client.connection.withDeadline(Date.now() + this.settings.signalTimeoutMs, () =>
        runRequestedExport(client, taskQueue, message),
      );
      this.settings.temporalReached(true);
      if (requested.outcome === 'invalid') return this.reject(message, `invalid: ${requested.reason}`);
      this.failures.forget(keyOf(message));
      if (requested.outcome === 'orchestrators-own') return { action: 'ack', outcome: 'not-ours' };
      log.info({ ...logFields(message), workflow_id: requested.workflowId }, 'requested export started');
      return { action: 'ack', outcome: 'export-started', workflowId: requested.workflowId };
    } catch (error) {
      const { permanent, description } = this.classified(error);
      if (permanent) return this.reject(message, `rejected: Temporal refused the export run: ${description}`);
      const reason = `Temporal did not start the export run: ${description}`;
      return this.retryOrExhaust(message, reason, logFields(message));
    }
  }

  /** A transient failure: nack with a backoff, or dead-letter as exhausted once the cap is reached. */
  private async retryOrExhaust(message: IncomingMessage, error: string, fields: object): Promise<Verdict> {
    const { maxDeliveries } = this.settings;
    const attempt = this.attemptOf(message);
    if (attempt >= maxDeliveries) return this.reject(message, `exhausted: ${attempt} deliveries; last error: ${error}`);
    const verdict = this.nack(attempt, error);
    this.options.log.warn(
      { ...fields, attempt, max_deliveries: maxDeliveries, retry_after_s: verdict.retryAfterSeconds, error },
      'will redeliver',
    );
    return verdict;
  }

  /** Classifies a failed call to Temporal, telling the reachability watch when it did not get through. */
  private classified(error: unknown) {
    const result = classifyTemporalError(error);
    if (result.unreachable) this.settings.temporalReached(false, result.description);
    return result;
  }

  private attemptOf(message: IncomingMessage): number {
    return message.deliveryAttempt && message.deliveryAttempt > 0
      ? message.deliveryAttempt
      : this.failures.fail(keyOf(message));
  }

  private nack(attempt: number, error: string): Extract<Verdict, { action: 'nack' }> {
    return { action: 'nack', retryAfterSeconds: backoffSeconds(attempt, this.settings.backoff), error };
  }
}

/** The message's size and attributes against our limit and Pub/Sub's, or undefined if it fits. */
function sizeProblem({ data, attributes }: IncomingMessage, maxMessageBytes: number): string | undefined {
  if (data.length > maxMessageBytes) {
    return `${data.length} bytes exceeds the ${maxMessageBytes}-byte limit (BRIDGE_MAX_MESSAGE_BYTES)`;
  }
  // By name: Pub/Sub keeps no order of attributes, and every delivery must get the same reason.
  const entries = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length > pubsubLimits.attributesPerMessage) {
    return `${entries.length} attributes; Pub/Sub allows ${pubsubLimits.attributesPerMessage}`;
  }
  for (const [key, value] of entries) {
    const name = JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
    if (byteLength(key) > pubsubLimits.attributeKeyBytes) {
      return `attribute key ${name} is ${byteLength(key)} bytes; Pub/Sub allows ${pubsubLimits.attributeKeyBytes}`;
    }
    if (byteLength(value) > pubsubLimits.attributeValueBytes) {
      return `attribute ${name} is ${byteLength(value)} bytes; Pub/Sub allows ${pubsubLimits.attributeValueBytes}`;
    }
  }
  return undefined;
}

/** A completion field over its cap, or undefined (not JSON, not an object: the parser says why). */
function fieldSizeProblem(data: Buffer, caps: typeof completionFieldCaps): string | undefined {
  const json = parseJson(data.toString('utf8'));
  if (!json.ok || !isObject(json.value)) return undefined;
  for (const [field, { maxBytes, becomes }] of Object.entries(caps)) {
    const value = json.value[field];
    if (typeof value === 'string' && byteLength(value) > maxBytes) {
      return `${field} is ${byteLength(value)} bytes; the cap is ${maxBytes} (it becomes ${becomes})`;
    }
  }
  return undefined;
}

/** What the default data converter sends: the completion as JSON. */
const signalPayloadBytes = (completion: Completion): number => byteLength(JSON.stringify(completion));

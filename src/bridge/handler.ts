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
  const { client, taskQueue, maxMessageBytes, log } = options;
  const signalTimeoutMs = options.signalTimeoutMs ?? 10_000;
  const maxDeliveries = options.maxDeliveries ?? deliveryDefaults.maxDeliveries;
  const backoff = options.backoff ?? {
    minSeconds: deliveryDefaults.minBackoffSeconds,
    maxSeconds: deliveryDefaults.maxBackoffSeconds,
  };
  const maxDaysAhead = options.maxDaysAhead ?? 30;
  const now = options.now ?? (() => new Date());
  const fieldCaps = options.fieldCaps ?? completionFieldCaps;
  const temporalReached = options.temporalReached ?? (() => undefined);
  /** Classifies a failed call to Temporal, telling the reachability watch when it did not get through. */
  const classified = (error: unknown) => {
    const result = classifyTemporalError(error);
    if (result.unreachable) temporalReached(false, result.description);
    return result;
  };
  // Failures per message, for subscriptions that do not count deliveries themselves.
  const failures = new FailureCounts();
  const keyOf = (message: IncomingMessage) => `${message.topic}\u0000${message.id}`;
  const logFields = (message: IncomingMessage) => ({
    topic: message.topic,
    message_id: message.id,
    delivery_attempt: message.deliveryAttempt,
  });

  function attemptOf(message: IncomingMessage): number {
    return message.deliveryAttempt && message.deliveryAttempt > 0
      ? message.deliveryAttempt
      : failures.fail(keyOf(message));
  }

  function nack(attempt: number, error: string): Extract<Verdict, { action: 'nack' }> {
    return { action: 'nack', retryAfterSeconds: backoffSeconds(attempt, backoff), error };
  }

  async function reject(message: IncomingMessage, reason: string): Promise<Verdict> {
    try {
      await options.deadLetter({ message, reason });
    } catch (error) {
      log.error({ ...logFields(message), err: error, reason }, 'dead-letter publish failed; will redeliver');
      return nack(attemptOf(message), `dead-letter publish failed: ${errorMessage(error)}`);
    }
    failures.forget(keyOf(message));
    log.warn({ ...logFields(message), reason }, 'message dead-lettered');
    return { action: 'ack', outcome: 'dead-lettered', reason };
  }

  /** A transient failure: nack with a backoff, or dead-letter as exhausted once the cap is reached. */
  async function retryOrExhaust(message: IncomingMessage, error: string, fields: object): Promise<Verdict> {
    const attempt = attemptOf(message);
    if (attempt >= maxDeliveries) return reject(message, `exhausted: ${attempt} deliveries; last error: ${error}`);
    const verdict = nack(attempt, error);
    log.warn(
      { ...fields, attempt, max_deliveries: maxDeliveries, retry_after_s: verdict.retryAfterSeconds, error },
      'will redeliver',
    );
    return verdict;
  }

  async function decide(message: IncomingMessage): Promise<Verdict> {
    const overLimit = sizeProblem(message, maxMessageBytes) ?? fieldSizeProblem(message.data, fieldCaps);
    if (overLimit) return reject(message, `oversized: ${overLimit}`);

    if (message.topic === pipeline.topics.phase6ExportTrigger) return decideExport(message);
    const parsed = parseCompletion(message.data.toString('utf8'), message.topic, message.id);
    if (!parsed.ok) return reject(message, `invalid: ${parsed.reason}`);
    const completion = parsed.value;

    const today = now().toISOString().slice(0, 10);
    if (completion.gameDate > addDays(today, maxDaysAhead)) {
      return reject(
        message,
        `future: game_date ${completion.gameDate} is more than ${maxDaysAhead} days after today (${today} UTC)`,
      );
    }
    const payloadBytes = signalPayloadBytes(completion);
    if (payloadBytes > temporalLimits.blobBytes) {
      return reject(
        message,
        `oversized: the signal payload is ${payloadBytes} bytes; Temporal refuses payloads over ${temporalLimits.blobBytes}`,
      );
    }

    const fields = {
      ...logFields(message),
      game_date: completion.gameDate,
      processor: completion.processor,
      status: completion.status,
      correlation_id: completion.correlationId,
    };
    tagActiveSpan({ game_date: completion.gameDate, correlation_id: completion.correlationId });
    try {
      const deadline = Date.now() + signalTimeoutMs;
      const delivered = await client.connection.withDeadline(deadline, () =>
        signalCompletion(client, taskQueue, completion),
      );
      temporalReached(true);
      if (delivered.outcome === 'late') {
        return reject(message, `late: ${delivered.workflowId} has closed; a rerun is an explicit command`);
      }
      failures.forget(keyOf(message));
      log.info({ ...fields, workflow_id: delivered.workflowId }, 'completion signalled');
      return { action: 'ack', outcome: 'signalled', workflowId: delivered.workflowId };
    } catch (error) {
      const { permanent, description } = classified(error);
      if (permanent) return reject(message, `rejected: Temporal refused the signal: ${description}`);
      return retryOrExhaust(message, `Temporal did not accept the signal: ${description}`, fields);
    }
  }

  async function decideExport(message: IncomingMessage): Promise<Verdict> {
    try {
      const requested = await client.connection.withDeadline(Date.now() + signalTimeoutMs, () =>
        runRequestedExport(client, taskQueue, message),
      );
      temporalReached(true);
      if (requested.outcome === 'invalid') return reject(message, `invalid: ${requested.reason}`);
      failures.forget(keyOf(message));
      if (requested.outcome === 'orchestrators-own') return { action: 'ack', outcome: 'not-ours' };
      log.info({ ...logFields(message), workflow_id: requested.workflowId }, 'requested export started');
      return { action: 'ack', outcome: 'export-started', workflowId: requested.workflowId };
    } catch (error) {
      const { permanent, description } = classified(error);
      if (permanent) return reject(message, `rejected: Temporal refused the export run: ${description}`);
      return retryOrExhaust(message, `Temporal did not start the export run: ${description}`, logFields(message));
    }
  }

  return async function handle(message) {
    try {
      return await decide(message);
    } catch (error) {
      // Only the message can make the bridge's own reading of it throw (JSON nested too deep to
      // serialise, say): it would throw the same way at every delivery.
      return reject(message, `invalid: the bridge could not read it: ${errorMessage(error)}`);
    }
  };
}

/** The message's size and attributes against our limit and Pub/Sub's, or undefined if it fits. */
function sizeProblem({ data, attributes }: IncomingMessage, maxMessageBytes: number): string | undefined {
  if (data.length > maxMessageBytes) {
    return `${data.length} bytes exceeds the ${maxMessageBytes}-byte limit (BRIDGE_MAX_MESSAGE_BYTES)`;
  }
  const entries = Object.entries(attributes);
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

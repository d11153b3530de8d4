// Waiting for what happens asynchronously (signals, Pub/Sub deliveries), with a reason on timeout.
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** Reads until `ok` holds and returns that value; throws, naming `what`, after `timeoutMs`. */
export async function eventually<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what = 'the expected state',
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Waits until `check` is true. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  await eventually(check, Boolean, what, timeoutMs);
}

/**
 * Like `eventually`, but the test server's clock moves on between reads: what waits on a timer or
 * an activity's retry gets there, however slowly a busy machine ran the time skipped before.
 */
export async function eventuallyOnServerClock<T>(
  env: TestWorkflowEnvironment,
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  { stepMs = 10_000, atMostMs = 30 * 60_000 } = {},
): Promise<T> {
  for (let skipped = 0; ; skipped += stepMs) {
    const value = await read();
    if (ok(value)) return value;
    if (skipped >= atMostMs) throw new Error(`${what} did not happen within ${atMostMs / 60_000} min of server time`);
    await env.sleep(stepMs);
  }
}

// Waiting for what happens asynchronously (signals, Pub/Sub deliveries), with a reason on timeout.

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

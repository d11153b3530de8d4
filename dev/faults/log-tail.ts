// Watching a process's log file for a line, the way an operator tails it: the fault suite kills
// the worker the moment it logs a publish, and knows a restarted process is up from its log.
import fs from 'node:fs';

export const logSize = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);

/**
 * Resolves with the first line after byte `from` that matches, polling every few milliseconds;
 * rejects after `timeoutMs`.
 */
export async function waitForLine(file: string, from: number, match: RegExp, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  let offset = from;
  let partial = '';
  for (;;) {
    const size = logSize(file);
    if (size > offset) {
      const chunk = Buffer.alloc(size - offset);
      const fd = fs.openSync(file, 'r');
      fs.readSync(fd, chunk, 0, chunk.length, offset);
      fs.closeSync(fd);
      offset = size;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      const found = lines.find((line) => match.test(line));
      if (found !== undefined) return found;
    }
    if (Date.now() > until) throw new Error(`no line matching ${match} in ${file} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Counts the lines after byte `from` that match. */
export function countLines(file: string, from: number, match: RegExp): number {
  const size = logSize(file);
  if (size <= from) return 0;
  const chunk = Buffer.alloc(size - from);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, chunk, 0, chunk.length, from);
  fs.closeSync(fd);
  return chunk
    .toString('utf8')
    .split('\n')
    .filter((line) => match.test(line)).length;
}

/** Resolves once `count` lines after byte `from` match; rejects after `timeoutMs`. */
export async function waitForLines(
  file: string,
  from: number,
  match: RegExp,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (countLines(file, from, match) < count) {
    if (Date.now() > until)
      throw new Error(`fewer than ${count} lines matching ${match} in ${file} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

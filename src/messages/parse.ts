// Parsing helpers shared by every schema of what crosses the wire: a value or a reason.
import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A JSON object (not null, not an array). */
export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseJson(data: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(data) };
  } catch (error) {
    // JSON.parse throws only SyntaxError.
    return { ok: false, reason: `not JSON: ${(error as SyntaxError).message}` };
  }
}

/**
 * One line per issue, `field: problem` (`message` when the whole value is wrong). When the schema
 * was parsed with `reportInput`, a field that is missing altogether reads `field: required`.
 */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.join('.') || 'message';
    const missing = 'input' in issue && issue.input === undefined && issue.path.length > 0;
    return missing ? `${field}: required` : `${field}: ${issue.message}`;
  });
}

/** Every issue on one line, for a dead letter's or a log's reason. */
export const describeIssues = (error: z.ZodError): string => issueLines(error).join('; ');

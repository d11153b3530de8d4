// Whatever was thrown, in the words an operator reads. Pure: workflow code uses it too.

/** An Error's message, or the thrown value itself as text (a string, a number, a rejected `undefined`). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The stack where there is one (for a report a person debugs from), else the message. */
export function errorDetail(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

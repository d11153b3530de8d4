// Why something failed, in the words of whatever failed (an activity's own error, not its wrapper's).
import * as wf from '@temporalio/workflow';
import { errorMessage } from '../platform/errors';

export function failureMessage(error: unknown): string {
  if (error instanceof wf.ActivityFailure && error.cause) return error.cause.message;
  return errorMessage(error);
}

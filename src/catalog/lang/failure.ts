/**
 * Turns a failure inside a binary or archive cataloger into the one-line reason a warning
 * carries: the message of a deliberate Moat error, or a marked unexpected one.
 */
import { isMoatError } from '../../errors.js';

/** One-line description of a failure, without stack traces. */
export function describeFailure(error: unknown): string {
  if (isMoatError(error)) return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

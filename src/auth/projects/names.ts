/**
 * The name grammars of projects, groups, member usernames and classifications. Each is ASCII
 * lower case with a length bound, so SQL quotes, path separators, NUL, upper case and Unicode
 * look-alikes (Cyrillic `а`) are refused before anything reaches the database.
 */
import { AuthError } from '../errors.js';

/** A project is the first path component of a repository: the OCI component grammar. */
const projectName = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const maxProjectNameLength = 64;
/** Usernames (as `users.username`), group names and classifications. */
const simpleName = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Most classifications granted to one member. */
export const maxClassifications = 16;
/** Most users in one group. */
export const maxGroupMembers = 1000;

/** True when `name` may name a project. */
export function isProjectName(name: string): boolean {
  return name.length <= maxProjectNameLength && projectName.test(name);
}

/** Throws `INVALID_REQUEST` unless `name` may name a project. */
export function checkProjectName(name: string): string {
  if (!isProjectName(name)) {
    throw new AuthError(
      'INVALID_REQUEST',
      `a project name is 1 to ${maxProjectNameLength} characters: lower-case letters and digits, separated by '.', '_', '__' or '-'`,
    );
  }
  return name;
}

/** Throws `INVALID_REQUEST` unless `name` may name a user or group (`what` says which). */
export function checkSimpleName(name: string, what: 'username' | 'group name'): string {
  if (!simpleName.test(name)) {
    throw new AuthError(
      'INVALID_REQUEST',
      `a ${what} is 1 to 64 characters: lower-case letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** The classifications as stored: checked, deduplicated, sorted. */
export function checkClassifications(values: readonly string[]): string[] {
  if (values.length > maxClassifications) {
    throw new AuthError('INVALID_REQUEST', `at most ${maxClassifications} classifications`);
  }
  for (const value of values) {
    if (!simpleName.test(value)) {
      throw new AuthError(
        'INVALID_REQUEST',
        "a classification is 1 to 64 characters: lower-case letters, digits, '.', '_' and '-'",
      );
    }
  }
  return [...new Set(values)].sort();
}

/**
 * The grammars of what users name here: token names and robot names (project names are the
 * projects area's grammar, `../projects/names.ts`).
 * ASCII only and no quotes, slashes, spaces or control characters, so an injection-shaped name
 * (SQL quotes, `../`, a Cyrillic `а`, NUL) never gets past input validation.
 */
import { AuthError } from '../errors.js';
import { isProjectName } from '../projects/names.js';

/** A token's name: a label its owner picks. */
const tokenName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A robot's own name (the part after `+`, or after `robot$` for a system robot). */
const robotShortName = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Robot names start with this (Harbor's convention). */
export const robotPrefix = 'robot$';

/** Throws `INVALID_REQUEST` unless `name` is a valid token name. */
export function checkTokenName(name: string): string {
  if (!tokenName.test(name)) {
    throw new AuthError(
      'INVALID_REQUEST',
      'name: 1 to 64 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit',
    );
  }
  return name;
}

/** Throws `INVALID_REQUEST` unless `name` is a valid robot name (the part the user picks). */
export function checkRobotShortName(name: string): string {
  if (!robotShortName.test(name)) {
    throw new AuthError(
      'INVALID_REQUEST',
      'name: 1 to 64 characters from a-z 0-9 . _ -, starting with a letter or digit',
    );
  }
  return name;
}

/**
 * A robot's full name: `robot$<project>+<name>` for a project robot, `robot$<name>` for a
 * system one.
 * @example robotFullName('ci', 'team') // → 'robot$team+ci'
 */
export function robotFullName(name: string, project: string | undefined): string {
  return project === undefined ? `${robotPrefix}${name}` : `${robotPrefix}${project}+${name}`;
}

/** The parts of a full robot name, or undefined when `fullName` is not one. */
export function parseRobotName(
  fullName: string,
): { project: string | undefined; name: string } | undefined {
  if (!fullName.startsWith(robotPrefix)) return undefined;
  const rest = fullName.slice(robotPrefix.length);
  const plus = rest.indexOf('+');
  const project = plus < 0 ? undefined : rest.slice(0, plus);
  const name = plus < 0 ? rest : rest.slice(plus + 1);
  if (!robotShortName.test(name)) return undefined;
  if (project !== undefined && !isProjectName(project)) return undefined;
  return { project, name };
}

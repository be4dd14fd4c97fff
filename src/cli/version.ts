/**
 * Moat's version, read once from package.json.
 */
import { readFileSync } from 'node:fs';

/** The version of this Moat build. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/**
 * Glob-ish path prefixes for ignore entries: `app/node_modules/lodash` matches that directory and
 * everything below it; `*` matches within one path segment, `**` across segments, `?` one
 * character. Leading slashes are ignored on both sides, so `/usr/lib` and `usr/lib` are equal.
 * Compiling is path-pattern-compile.ts, loaded only with a document that holds patterns.
 */

/** A compiled path pattern. */
export interface PathPattern {
  text: string;
  /** True when `path` (leading slashes already removed) lies at or below the pattern. */
  matches: (path: string) => boolean;
}

/** True when `path` lies at or below `pattern`. */
export function pathMatches(pattern: PathPattern, path: string): boolean {
  return pattern.matches(stripLeadingSlashes(path));
}

/** `path` without its leading slashes. */
export function stripLeadingSlashes(path: string): string {
  return path.replace(/^\/+/, '');
}

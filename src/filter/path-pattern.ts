/**
 * Glob-ish path prefixes for ignore entries: `app/node_modules/lodash` matches that directory and
 * everything below it; `*` matches within one path segment, `**` across segments, `?` one
 * character. Leading slashes are ignored on both sides, so `/usr/lib` and `usr/lib` are equal.
 */

/** A compiled path pattern. */
export interface PathPattern {
  text: string;
  regex: RegExp;
}

/** Compiles `pattern` (see the module comment). */
export function compilePathPattern(pattern: string): PathPattern {
  const body = stripSlashes(pattern);
  let source = '';
  for (let i = 0; i < body.length; i++) {
    const char = body[i] ?? '';
    if (char === '*' && body[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  // A prefix ends at a segment boundary: `usr/lib` must not match `usr/lib64`.
  const end = body === '' || body.endsWith('/') ? '' : '(?:/|$)';
  return { text: pattern, regex: new RegExp(`^${source}${end}`) };
}

/** True when `path` lies at or below `pattern`. */
export function pathMatches(pattern: PathPattern, path: string): boolean {
  return pattern.regex.test(stripSlashes(path));
}

function stripSlashes(path: string): string {
  return path.replace(/^\/+/, '');
}

/**
 * Compiles the path patterns of path-pattern.ts. Patterns come from the user and paths from the
 * image, so matching runs on RE2JS, whose time is linear in the path: a backtracking engine
 * takes hours over `**` + `a*a*a*b` and a long path. RE2JS (~150 ms to load) is required on the
 * first pattern, so an ignore file or VEX document without paths never pays for it.
 */
import { createRequire } from 'node:module';

import type * as Re2js from 're2js';

import { stripLeadingSlashes, type PathPattern } from './path-pattern.js';

const require = createRequire(import.meta.url);
let re2js: typeof Re2js | undefined;

/** Compiles `pattern` (syntax in path-pattern.ts) into a linear-time matcher. */
export function compilePathPattern(pattern: string): PathPattern {
  re2js ??= require('re2js') as typeof Re2js;
  const { RE2JS } = re2js;
  const body = stripLeadingSlashes(pattern);
  let source = '';
  let literal = '';
  const flush = (): void => {
    if (literal !== '') source += RE2JS.quote(literal);
    literal = '';
  };
  for (let i = 0; i < body.length; i++) {
    const char = body[i] ?? '';
    if (char !== '*' && char !== '?') {
      literal += char;
      continue;
    }
    flush();
    if (char === '?') source += '[^/]';
    else if (body[i + 1] === '*') {
      source += '.*';
      i++;
    } else source += '[^/]*';
  }
  flush();
  // A prefix ends at a segment boundary: `usr/lib` must not match `usr/lib64`.
  const end = body === '' || body.endsWith('/') ? '' : '(?:/|$)';
  const regex = RE2JS.compile(`^${source}${end}`, RE2JS.DOTALL);
  return { text: pattern, matches: (path) => regex.test(path) };
}

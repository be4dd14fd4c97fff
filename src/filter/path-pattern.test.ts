import { describe, expect, test } from 'vitest';

import { pathMatches } from './path-pattern.js';
import { compilePathPattern } from './path-pattern-compile.js';

const matches = (pattern: string, path: string) => pathMatches(compilePathPattern(pattern), path);

describe('path patterns', () => {
  test('a directory prefix matches files below it, with or without leading slashes', () => {
    expect(matches('/usr/lib', 'usr/lib/python3/site-packages/x/METADATA')).toBe(true);
  });

  test('a prefix ends at a segment boundary', () => {
    expect(matches('usr/lib', '/usr/lib64/x')).toBe(false);
  });

  test('* stays within one segment and ** crosses segments', () => {
    expect(matches('app/*/package.json', '/app/a/package.json')).toBe(true);
    expect(matches('app/*/package.json', '/app/a/b/package.json')).toBe(false);
    expect(matches('app/**/package.json', '/app/a/b/package.json')).toBe(true);
  });

  test('regular-expression characters are literal', () => {
    expect(matches('opt/a+b', '/opt/aab')).toBe(false);
    expect(matches('opt/a+b', '/opt/a+b/x')).toBe(true);
  });
});

describe('path patterns on hostile input', () => {
  // Both inputs take a backtracking engine (V8's RegExp) hours: it tries every way to split the
  // path among the `**`s, or a segment among the `*`s, before it fails. Matching is linear here.
  test('many ** before a failing segment over a 4096-byte path with 2048 slashes', () => {
    const path = 'a/'.repeat(2048);
    expect(matches('**/**/**/**/**/a*a*a*a*a*b', path)).toBe(false);
  });

  test('many * within one 4096-byte segment that never ends as the pattern does', () => {
    const path = `dir/${'a'.repeat(4096)}`;
    expect(matches('dir/a*a*a*a*a*a*a*a*b', path)).toBe(false);
    expect(matches('dir/a*a*a*a*a*a*a*a*', path)).toBe(true);
  });

  test('? matches exactly one character of one segment', () => {
    expect(matches('usr/lib?', '/usr/lib6/x')).toBe(true);
    expect(matches('usr/li?', '/usr/lib6/x')).toBe(false);
    expect(matches('usr?lib', '/usr/lib')).toBe(false);
  });

  test('a file name holding a newline still matches ** and *', () => {
    expect(matches('app/**', 'app/a\nb/c')).toBe(true);
    expect(matches('app/*/c', 'app/a\nb/c')).toBe(true);
  });
});

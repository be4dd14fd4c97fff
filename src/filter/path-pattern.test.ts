import { describe, expect, test } from 'vitest';

import { compilePathPattern, pathMatches } from './path-pattern.js';

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

import { describe, expect, it } from 'vitest';

import { formatScope, maxScopesPerRequest, mergeScopes, parseScopes } from './scope.js';

describe('token scopes', () => {
  it('parses repository and catalog scopes, nested names included', () => {
    expect(parseScopes('repository:team/app/api:pull,push')).toEqual([
      { type: 'repository', name: 'team/app/api', actions: ['pull', 'push'] },
    ]);
    expect(parseScopes('registry:catalog:*')).toEqual([
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('reads several space-separated scopes in one parameter (OAuth2 style)', () => {
    expect(parseScopes('repository:a:pull repository:b:push')).toHaveLength(2);
  });

  it('drops unknown resource types and unknown actions instead of failing', () => {
    expect(parseScopes('plugin:x:pull')).toEqual([]);
    expect(parseScopes('registry:other:*')).toEqual([]);
    expect(parseScopes('repository:a:pull,frobnicate,pull')).toEqual([
      { type: 'repository', name: 'a', actions: ['pull'] },
    ]);
  });

  it.each([
    'repository',
    'repository:a',
    ':a:pull',
    'repository::pull',
    'repository:../etc:pull',
    'repository:UPPER:pull',
    'repository:a//b:pull',
    'Repo:a:pull',
    `repository:${'a'.repeat(256)}:pull`,
    `repository:a:${'pull,'.repeat(200)}`,
  ])('refuses the malformed scope %s', (scope) => {
    expect(() => parseScopes(scope)).toThrow();
  });

  it('merges repeated scopes on one repository', () => {
    const merged = mergeScopes([
      ...parseScopes('repository:a:pull'),
      ...parseScopes('repository:a:push,pull'),
    ]);
    expect(merged).toEqual([{ type: 'repository', name: 'a', actions: ['pull', 'push'] }]);
  });

  it(`refuses more than ${maxScopesPerRequest} resources in one request`, () => {
    const many = Array.from({ length: maxScopesPerRequest + 1 }, (_, i) => `repository:r${i}:pull`);
    expect(() => mergeScopes(parseScopes(many.join(' ')))).toThrow(/more than/);
    expect(mergeScopes(parseScopes(many.slice(1).join(' ')))).toHaveLength(maxScopesPerRequest);
  });

  it('formats a scope as the spec writes it', () => {
    expect(formatScope({ type: 'repository', name: 'a/b', actions: ['pull', 'push'] })).toBe(
      'repository:a/b:pull,push',
    );
  });
});

import { describe, expect, it } from 'vitest';

import { parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge with quoted realm, service and scope', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example/token',
          service: 'registry.example',
          scope: 'repository:a/b:pull',
        },
      },
    ]);
  });

  it('keeps commas inside quoted values', () => {
    const [challenge] = parseWwwAuthenticate('Bearer scope="repository:a:pull,push", realm="r"');
    expect(challenge?.params).toEqual({ scope: 'repository:a:pull,push', realm: 'r' });
  });

  it('unescapes backslash escapes in quoted values', () => {
    const [challenge] = parseWwwAuthenticate('Basic realm="say \\"hi\\" \\\\ there"');
    expect(challenge?.params.realm).toBe('say "hi" \\ there');
  });

  it('lower-cases scheme and parameter names but not values', () => {
    const [challenge] = parseWwwAuthenticate('BEARER Realm="https://A/Token"');
    expect(challenge).toEqual({ scheme: 'bearer', params: { realm: 'https://A/Token' } });
  });

  it('reads unquoted values and spaces around the equals sign', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm = https://auth/token , service=reg');
    expect(challenge?.params).toEqual({ realm: 'https://auth/token', service: 'reg' });
  });

  it('splits several challenges in one header', () => {
    const challenges = parseWwwAuthenticate('Basic realm="basic, realm", Bearer realm="https://t"');
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(challenges[0]?.params.realm).toBe('basic, realm');
    expect(challenges[1]?.params.realm).toBe('https://t');
  });

  it('reads a scheme without parameters and a token68 credential', () => {
    expect(parseWwwAuthenticate('Negotiate, Other abc+/def==')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'other', params: { token68: 'abc+/def==' } },
    ]);
  });

  it('takes what it can from an unterminated quoted value', () => {
    const [challenge] = parseWwwAuthenticate('Bearer realm="https://t');
    expect(challenge?.params.realm).toBe('https://t');
  });

  it('returns no challenges for an empty header', () => {
    expect(parseWwwAuthenticate('')).toEqual([]);
  });

  it('keeps parameters named after Object members as plain parameters', () => {
    const [challenge] = parseWwwAuthenticate(
      'Bearer constructor="c",__proto__="p",toString="t",realm="https://t"',
    );
    expect(Object.entries(challenge?.params ?? {})).toEqual([
      ['constructor', 'c'],
      ['__proto__', 'p'],
      ['tostring', 't'],
      ['realm', 'https://t'],
    ]);
  });
});

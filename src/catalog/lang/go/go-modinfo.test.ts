import { describe, expect, it } from 'vitest';

import { goPackages, parseGoModInfo, stdlibVersion, unquoteGo } from './go-modinfo.js';

// What Go 1.19 links into a vendored module build (as printed by `go version -m`).
const modinfo = [
  'path\texample.com/hello/cmd/hello',
  'mod\texample.com/hello\t(devel)\t',
  'dep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=',
  'dep\texample.com/lib\tv1.2.3',
  '=>\texample.com/fork\tv1.2.4\th1:abc=',
  'dep\texample.com/local\tv0.0.0',
  '=>\t../local\t\t',
  'build\t-compiler=gc',
  'build\t-ldflags="-X main.version=1.0 -s"',
  'build\tCGO_ENABLED=0',
  'build\tGOARCH=amd64',
  'build\tGOOS=linux',
  'build\tvcs.revision=0123456789abcdef',
  '',
].join('\n');

describe('parseGoModInfo', () => {
  it('reads the main package path, main module, dependencies and build settings', () => {
    const info = parseGoModInfo(modinfo);
    expect(info.path).toBe('example.com/hello/cmd/hello');
    expect(info.main).toEqual({ path: 'example.com/hello', version: '(devel)' });
    expect(info.deps.map((d) => d.path)).toEqual([
      'golang.org/x/text',
      'example.com/lib',
      'example.com/local',
    ]);
    expect(info.settings).toContainEqual(['-ldflags', '-X main.version=1.0 -s']);
    expect(info.problems).toEqual([]);
  });

  it('attaches a replacement to the module line before it', () => {
    const info = parseGoModInfo(modinfo);
    expect(info.deps[1]?.replace).toEqual({
      path: 'example.com/fork',
      version: 'v1.2.4',
      sum: 'h1:abc=',
    });
  });

  it('reports lines it cannot understand instead of failing', () => {
    const info = parseGoModInfo('=>\torphan\tv1\nwhat\tis\tthis\ndep\tonly-a-path\n');
    expect(info.problems).toHaveLength(3);
    expect(info.deps).toEqual([]);
  });
});

describe('unquoteGo', () => {
  it('undoes strconv.Quote escapes', () => {
    expect(unquoteGo('"a\\tb\\"c\\\\d\\x41\\u00e9"')).toBe('a\tb"c\\dAé');
  });

  it('rejects text that is not a single quoted string', () => {
    expect(unquoteGo('"a" "b"')).toBeUndefined();
    expect(unquoteGo('"bad \\q escape"')).toBeUndefined();
  });
});

describe('stdlibVersion', () => {
  it('drops the go prefix and any experiment suffix', () => {
    expect(stdlibVersion('go1.19.8')).toBe('1.19.8');
    expect(stdlibVersion('go1.22.0 X:boringcrypto')).toBe('1.22.0');
    expect(stdlibVersion('go1.21rc2')).toBe('1.21rc2');
  });

  it('gives no version for development toolchains', () => {
    expect(stdlibVersion('devel go1.23-4f3e0a1 Tue Jan 2')).toBeUndefined();
  });
});

describe('goPackages', () => {
  const packages = goPackages('go1.19.8', parseGoModInfo(modinfo));
  const byName = (name: string) => packages.find((p) => p.name === name);

  it('reports the standard library with the toolchain version', () => {
    expect(byName('stdlib')).toMatchObject({
      type: 'golang',
      version: '1.19.8',
      metadata: { goVersion: 'go1.19.8' },
    });
  });

  it('keeps the main module, marked, with its build settings', () => {
    expect(byName('example.com/hello')).toMatchObject({
      version: '(devel)',
      metadata: {
        main: true,
        mainPackage: 'example.com/hello/cmd/hello',
        'build.-ldflags': '-X main.version=1.0 -s',
        'build.GOOS': 'linux',
        'build.GOARCH': 'amd64',
        'build.vcs.revision': '0123456789abcdef',
      },
    });
  });

  it('reports a replaced module under the replacement’s path and version', () => {
    expect(byName('example.com/lib')).toBeUndefined();
    expect(byName('example.com/fork')).toMatchObject({
      version: 'v1.2.4',
      metadata: { replaced: 'example.com/lib v1.2.3', sum: 'h1:abc=' },
    });
  });

  it('keeps the module path when it is replaced by a local directory', () => {
    expect(byName('example.com/local')).toMatchObject({
      version: '(devel)',
      metadata: { replacedBy: '../local' },
    });
  });

  it('leaves the namespace empty for the orchestrator to split', () => {
    expect(packages.every((p) => p.namespace === undefined)).toBe(true);
  });
});

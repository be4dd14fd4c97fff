/**
 * The binary and archive catalogers on real inputs: Go executables built with Debian's Go
 * (checked against `go version -m`), an executable carrying a cargo-auditable `.dep-v0`
 * section added by `objcopy`, and JAR/WAR/EAR archives made by the JDK's `jar` tool.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createScanContext } from '../../src/catalog/context.js';
import { binaryLanguageAnalyzers } from '../../src/catalog/lang/binary.js';
import type { AnalysisResult, FoundPackage, SpoolAnalyzer } from '../../src/catalog/types.js';
import type { Limits } from '../../src/util/limits.js';
import { requireTools } from './require-tools.js';

requireTools(['go', 'objcopy', 'cc', 'jar', 'javac', 'zip']);

function analyzer(name: string): SpoolAnalyzer {
  const found = binaryLanguageAnalyzers.find((a) => a.name === name);
  if (found?.input !== 'spool') throw new TypeError(`no spool analyzer ${name}`);
  return found;
}

/** Runs an analyzer the way the walker does: only if it wants the file and the magic matches. */
async function analyze(
  name: string,
  path: string,
  limits: Partial<Limits> = {},
): Promise<AnalysisResult> {
  const a = analyzer(name);
  const { size, mode } = await stat(path);
  const file = { path: path.slice(1), size, mode };
  if (!a.wants(file)) return { warnings: ['not wanted'] };
  const ctx = createScanContext({ limits });
  try {
    return await a.analyze({ ...file, spoolPath: path }, ctx);
  } finally {
    await ctx.dispose();
  }
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'moat-e2e-binaries-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The oracle: `go version -m` output turned into `name@version` the way Moat names Go packages. */
function goVersionM(binary: string): { packages: string[]; settings: Map<string, string> } {
  const out = run('go', ['version', '-m', binary], work);
  const [first = '', ...lines] = out.split('\n');
  const goVersion = first.slice(first.lastIndexOf(': ') + 2).trim();
  const packages = [`stdlib@${goVersion.replace(/^go/, '')}`];
  const settings = new Map<string, string>();
  for (const line of lines) {
    const [, kind, ...fields] = line.split('\t');
    if (kind === 'mod' || kind === 'dep') packages.push(`${fields[0]}@${fields[1]}`);
    if (kind === '=>') packages[packages.length - 1] = `${fields[0]}@${fields[1]}`;
    if (kind === 'build') {
      const [key = '', ...value] = (fields[0] ?? '').split('=');
      settings.set(key, value.join('=').replace(/^"(.*)"$/, '$1'));
    }
  }
  return { packages: packages.sort(), settings };
}

const names = (packages: FoundPackage[] = []) =>
  packages.map((p) => `${p.name}@${p.version}`).sort();
const goEnv = { CGO_ENABLED: '0', GOFLAGS: '-mod=vendor', GOPROXY: 'off', GO111MODULE: 'on' };

describe('Go binaries built with the Debian toolchain', () => {
  const std = () => join(work, 'std');
  beforeAll(async () => {
    await writeFiles(std(), {
      'main.go': 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
    });
    run('go', ['build', '-o', 'hello', 'main.go'], std(), { CGO_ENABLED: '0' });
  });

  it('reports only the standard library for a program outside any module', async () => {
    const result = await analyze('elf-binary', join(std(), 'hello'));
    expect(names(result.packages)).toEqual(goVersionM(join(std(), 'hello')).packages);
    expect(result.packages?.[0]).toMatchObject({ type: 'golang', name: 'stdlib' });
    expect(result.warnings).toBeUndefined();
  });

  it('reads a big-endian 32-bit binary cross-compiled for MIPS', async () => {
    run('go', ['build', '-o', 'hello-mips', 'main.go'], std(), {
      CGO_ENABLED: '0',
      GOARCH: 'mips',
    });
    const binary = join(std(), 'hello-mips');
    expect((await readFile(binary)).subarray(4, 6)).toEqual(Buffer.from([1, 2])); // ELFCLASS32, ELFDATA2MSB
    const result = await analyze('elf-binary', binary);
    expect(names(result.packages)).toEqual(goVersionM(binary).packages);
  });

  it('finds the build info through the data segment when the section headers are gone', async () => {
    const bytes = await readFile(join(std(), 'hello'));
    bytes.writeBigUInt64LE(0n, 40); // e_shoff
    bytes.writeUInt16LE(0, 60); // e_shnum
    bytes.writeUInt16LE(0, 62); // e_shstrndx
    const binary = join(std(), 'hello-no-sections');
    await writeFile(binary, bytes, { mode: 0o755 });
    const result = await analyze('elf-binary', binary);
    expect(names(result.packages)).toEqual(goVersionM(join(std(), 'hello')).packages);
  });

  it('reports the main module, a replaced vendored dependency and the build settings', async () => {
    const dir = join(work, 'mod');
    await writeFiles(dir, {
      'go.mod':
        'module example.com/hello\n\ngo 1.19\n\nrequire example.com/lib v1.2.3\n\nreplace example.com/lib => example.com/fork v1.2.4\n',
      'vendor/modules.txt':
        '# example.com/lib v1.2.3 => example.com/fork v1.2.4\n## explicit; go 1.19\nexample.com/lib\n# example.com/lib => example.com/fork v1.2.4\n',
      'vendor/example.com/lib/lib.go': 'package lib\n\nfunc Greeting() string { return "hi" }\n',
      'cmd/hello/main.go':
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n)\n\nvar version = "dev"\n\nfunc main() { fmt.Println(lib.Greeting(), version) }\n',
    });
    const git = ['-c', 'user.name=t', '-c', 'user.email=t@example.com'];
    run('git', ['init', '-q'], dir);
    run('git', ['add', '.'], dir);
    run('git', [...git, 'commit', '-qm', 'init'], dir);
    const revision = run('git', ['rev-parse', 'HEAD'], dir).trim();
    run(
      'go',
      ['build', '-ldflags=-X main.version=1.0 -s -w', '-o', 'hello', './cmd/hello'],
      dir,
      goEnv,
    );

    const binary = join(dir, 'hello');
    const oracle = goVersionM(binary);
    const result = await analyze('elf-binary', binary);
    expect(names(result.packages)).toEqual(oracle.packages);
    expect(names(result.packages)).toContain('example.com/fork@v1.2.4');
    const main = result.packages?.find((p) => p.metadata?.main === true);
    expect(main).toMatchObject({
      name: 'example.com/hello',
      version: '(devel)',
      metadata: {
        mainPackage: 'example.com/hello/cmd/hello',
        'build.-ldflags': oracle.settings.get('-ldflags'),
        'build.GOOS': oracle.settings.get('GOOS'),
        'build.GOARCH': oracle.settings.get('GOARCH'),
        'build.vcs.revision': revision,
      },
    });
    expect(main?.metadata?.['build.-ldflags']).toBe('-X main.version=1.0 -s -w');
  });
});

// What `cargo auditable build` would embed for a binary depending on serde (written by hand:
// no crates registry is reachable here).
const audit = {
  packages: [
    { name: 'hello', version: '0.1.0', source: 'local', dependencies: [1], root: true },
    { name: 'serde', version: '1.0.197', source: 'crates.io', dependencies: [2] },
    { name: 'serde_derive', version: '1.0.197', source: 'crates.io', kind: 'build' },
  ],
};

describe('cargo-auditable section in a real executable', () => {
  let binary: string;
  beforeAll(async () => {
    const dir = join(work, 'rust');
    await writeFiles(dir, { 'main.c': 'int main(void) { return 0; }\n' });
    await writeFile(join(dir, 'dep-v0'), deflateSync(Buffer.from(JSON.stringify(audit))));
    run('cc', ['-o', 'plain', 'main.c'], dir);
    run(
      'objcopy',
      [
        '--add-section',
        '.dep-v0=dep-v0',
        '--set-section-flags',
        '.dep-v0=noload,readonly',
        'plain',
        'hello',
      ],
      dir,
    );
    binary = join(dir, 'hello');
  });

  it('lists the crates of the .dep-v0 section', async () => {
    const result = await analyze('elf-binary', binary);
    expect(result.packages).toEqual([
      {
        type: 'cargo',
        name: 'hello',
        version: '0.1.0',
        licenses: [],
        metadata: { source: 'local', root: true },
      },
      {
        type: 'cargo',
        name: 'serde',
        version: '1.0.197',
        licenses: [],
        metadata: { source: 'crates.io' },
      },
      {
        type: 'cargo',
        name: 'serde_derive',
        version: '1.0.197',
        licenses: [],
        metadata: { source: 'crates.io', kind: 'build' },
      },
    ]);
  });

  it('finds no Go build info in a C program', async () => {
    const result = await analyze('elf-binary', binary);
    expect(result.packages?.filter((p) => p.type === 'golang')).toEqual([]);
    expect(result.warnings).toBeUndefined();
  });

  it('warns about, and survives, the same executable cut short', async () => {
    const { size } = await stat(binary);
    const cut = join(work, 'rust', 'cut');
    await writeFile(cut, (await readFile(binary)).subarray(0, Math.floor(size / 2)), {
      mode: 0o755,
    });
    const result = await analyze('elf-binary', cut);
    expect(result.warnings).toEqual([expect.stringMatching(/rust\/cut: ELF: .*past the end/)]);
  });
});

describe('Java archives made by the JDK jar tool', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(work, 'java');
    await writeFiles(dir, {
      'src/com/example/Hello.java':
        'package com.example;\npublic class Hello { public static void main(String[] a) {} }\n',
      'a/META-INF/maven/com.example/lib-a/pom.properties':
        'groupId=com.example\nartifactId=lib-a\nversion=1.0.0\n',
      'b.mf':
        'Implementation-Title: lib-b\nImplementation-Vendor-Id: org.example.a.rather.long.group.identifier.that.the.jar.tool.wraps\nImplementation-Version: 2.0.1\n',
      'war/WEB-INF/web.xml': '<web-app/>\n',
      'ear/META-INF/application.xml': '<application/>\n',
    });
    run('javac', ['-d', 'classes', 'src/com/example/Hello.java'], dir);
    run(
      'jar',
      ['--create', '--file', 'a/lib-a.jar', '-C', 'classes', '.', '-C', 'a', 'META-INF'],
      dir,
    );
    await mkdir(join(dir, 'war/WEB-INF/lib'), { recursive: true });
    run(
      'jar',
      [
        '--create',
        '--file',
        'war/WEB-INF/lib/lib-a.jar',
        '-C',
        'classes',
        '.',
        '-C',
        'a',
        'META-INF',
      ],
      dir,
    );
    run(
      'jar',
      [
        '--create',
        '--file',
        'war/WEB-INF/lib/lib-b.jar',
        '--manifest',
        'b.mf',
        '-C',
        'classes',
        '.',
      ],
      dir,
    );
    run(
      'jar',
      ['--create', '--file', 'war/WEB-INF/lib/commons-text-1.10.0.jar', '-C', 'classes', '.'],
      dir,
    );
    run('jar', ['--create', '--file', 'ear/app.war', '-C', 'war', '.'], dir);
    run('jar', ['--create', '--file', 'app.ear', '-C', 'ear', '.'], dir);
  });

  it('reads a JAR’s pom.properties', async () => {
    const result = await analyze('java-archive', join(dir, 'a/lib-a.jar'));
    expect(result.packages).toMatchObject([
      { type: 'maven', namespace: 'com.example', name: 'lib-a', version: '1.0.0' },
    ]);
  });

  it('reads a manifest whose long header the jar tool wrapped onto continuation lines', async () => {
    const result = await analyze('java-archive', join(dir, 'war/WEB-INF/lib/lib-b.jar'));
    expect(result.packages).toMatchObject([
      {
        namespace: 'org.example.a.rather.long.group.identifier.that.the.jar.tool.wraps',
        name: 'lib-b',
        version: '2.0.1',
        metadata: { source: 'manifest' },
      },
    ]);
  });

  it('reads the JARs inside a WAR inside an EAR, naming each by its nesting', async () => {
    const ear = join(dir, 'app.ear');
    const result = await analyze('java-archive', ear);
    const label = `${ear.slice(1)}!app.war!WEB-INF/lib/`;
    expect(
      result.packages?.map((p) => [p.namespace, p.name, p.version, p.metadata?.archive]).sort(),
    ).toEqual([
      [undefined, 'commons-text', '1.10.0', `${label}commons-text-1.10.0.jar`],
      ['com.example', 'lib-a', '1.0.0', `${label}lib-a.jar`],
      [
        'org.example.a.rather.long.group.identifier.that.the.jar.tool.wraps',
        'lib-b',
        '2.0.1',
        `${label}lib-b.jar`,
      ],
    ]);
    expect(result.warnings).toBeUndefined();
  });

  it('stops at the nesting limit with a warning', async () => {
    const result = await analyze('java-archive', join(dir, 'app.ear'), { maxArchiveDepth: 1 });
    expect(result.packages).toEqual([]);
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings?.[0]).toMatch(
      /!app\.war!WEB-INF\/lib\/.*\.jar: skipped: nested deeper than 1 archives$/,
    );
  });

  it('skips a zip bomb made by zip -9', async () => {
    const bombDir = join(dir, 'bomb');
    await mkdir(join(bombDir, 'lib'), { recursive: true });
    await writeFile(join(bombDir, 'lib/huge.jar'), Buffer.alloc(64 * 1024 * 1024));
    run('zip', ['-q', '-9', '-r', 'bomb.jar', 'lib'], bombDir);
    const result = await analyze('java-archive', join(bombDir, 'bomb.jar'));
    expect(result.warnings).toEqual([
      expect.stringMatching(/bomb\.jar!lib\/huge\.jar: skipped: .*possible zip bomb$/),
    ]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { createScanContext } from '../context.js';
import type { BufferAnalyzer } from '../types.js';
import { createTextLanguageAnalyzers, textLanguageAnalyzers } from './text.js';

const ctx = createScanContext();
const buffers = textLanguageAnalyzers.filter((a): a is BufferAnalyzer => a.input === 'buffer');

// One typical path per cataloger, in the order of `textCatalogers`.
const typicalPaths: Record<string, string> = {
  npm: 'app/node_modules/@babel/core/package.json',
  'npm-package-lock': 'app/package-lock.json',
  'yarn-lock': 'app/yarn.lock',
  'pnpm-lock': 'app/pnpm-lock.yaml',
  'python-metadata': 'usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA',
  'poetry-lock': 'app/poetry.lock',
  'pipfile-lock': 'app/Pipfile.lock',
  'pip-requirements': 'app/requirements.txt',
  gemspec: 'usr/local/bundle/specifications/rack-3.0.8.gemspec',
  'gemfile-lock': 'app/Gemfile.lock',
  'composer-installed': 'app/vendor/composer/installed.json',
  'composer-lock': 'app/composer.lock',
  'dotnet-deps': 'app/WebApi.deps.json',
  'cargo-lock': 'app/Cargo.lock',
};

describe('textLanguageAnalyzers', () => {
  it('holds one buffer analyzer per cataloger, with unique names', () => {
    expect(buffers).toHaveLength(textLanguageAnalyzers.length);
    expect(textLanguageAnalyzers.map((a) => a.name)).toEqual(Object.keys(typicalPaths));
  });

  it('routes each typical path to exactly its own analyzer', () => {
    for (const [name, path] of Object.entries(typicalPaths)) {
      const takers = textLanguageAnalyzers.filter((a) =>
        a.wants({ path, size: 100, mode: 0o100644 }),
      );
      expect(
        takers.map((a) => a.name),
        path,
      ).toEqual([name]);
    }
  });

  it('never rejects and names the file in every warning, whatever the bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 512 }),
        fc.string({ maxLength: 256 }),
        async (bytes, text) => {
          for (const analyzer of buffers) {
            const path = typicalPaths[analyzer.name] ?? '';
            for (const content of [Buffer.from(bytes), Buffer.from(text)]) {
              const result = await analyzer.analyze(
                { path, size: content.length, mode: 0o100644, content },
                ctx,
              );
              for (const warning of result.warnings ?? [])
                expect(warning.startsWith(`${path}: `)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('applies limits given to createTextLanguageAnalyzers to every analyzer', async () => {
    const [npm] = createTextLanguageAnalyzers({ maxPackagesPerFile: 0 }) as BufferAnalyzer[];
    const content = Buffer.from(JSON.stringify({ name: 'a', version: '1.0.0' }));
    const result = await npm!.analyze(
      { path: 'node_modules/a/package.json', size: content.length, mode: 0o100644, content },
      ctx,
    );
    expect(result).toEqual({
      warnings: ['node_modules/a/package.json: more than 0 packages; the rest skipped'],
    });
  });
});

describe('lockfiles inside installed packages', () => {
  // A lockfile there is the package author's, not a record of what the image installed.
  const lockfileCatalogers = [
    'npm-package-lock',
    'yarn-lock',
    'pnpm-lock',
    'poetry-lock',
    'pipfile-lock',
    'pip-requirements',
    'gemfile-lock',
    'composer-lock',
    'cargo-lock',
  ];
  const installedDirs = [
    'usr/lib/ruby/gems/3.1.0/gems/typeprof-0.21.2/vscode/',
    'usr/local/bundle/bundler/gems/rails-0123abc/',
    'app/node_modules/left-pad/',
    'usr/lib/python3/dist-packages/foo/',
    'opt/venv/lib/python3.11/site-packages/bar/',
    'app/vendor/acme/tool/',
    'root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.0/',
    'root/go/pkg/mod/github.com/acme/tool@v1.0.0/',
  ];

  it.each(lockfileCatalogers)('%s reads none inside an installed package', (name) => {
    const analyzer = buffers.find((a) => a.name === name);
    if (analyzer === undefined) throw new TypeError(`no analyzer ${name}`);
    const base = typicalPaths[name]?.split('/').pop() ?? '';
    expect(analyzer.wants({ path: `app/${base}`, size: 10, mode: 0o100644 })).toBe(true);
    for (const dir of installedDirs) {
      expect(analyzer.wants({ path: `${dir}${base}`, size: 10, mode: 0o100644 }), dir).toBe(false);
    }
  });
});

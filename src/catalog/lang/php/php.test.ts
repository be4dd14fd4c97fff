import { describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult, BufferAnalyzer } from '../../types.js';
import { composerInstalledCataloger, composerLockCataloger } from './php.js';
import { defineTextAnalyzer } from '../text-input.js';

const installed = defineTextAnalyzer(composerInstalledCataloger);
const lock = defineTextAnalyzer(composerLockCataloger);
const ctx = createScanContext();

function run(analyzer: BufferAnalyzer, path: string, text: string): Promise<AnalysisResult> {
  const content = Buffer.from(text);
  return analyzer.analyze({ path, size: content.length, mode: 0o100644, content }, ctx);
}

const monolog = {
  name: 'monolog/monolog',
  version: '3.4.0',
  version_normalized: '3.4.0.0',
  source: {
    type: 'git',
    url: 'https://github.com/Seldaek/monolog.git',
    reference: 'e2392369686d420ca32df3803de28b5d6f76867d',
  },
  require: { php: '>=8.1', 'psr/log': '^2.0 || ^3.0' },
  type: 'library',
  'installation-source': 'dist',
  license: ['MIT'],
};
const httpKernel = {
  name: 'symfony/http-kernel',
  version: 'v6.3.4',
  version_normalized: '6.3.4.0',
  type: 'library',
  license: ['MIT'],
};
const phpunit = {
  name: 'phpunit/phpunit',
  version: '10.3.2',
  type: 'library',
  license: ['BSD-3-Clause'],
};

describe('Composer installed.json', () => {
  it('wants vendor/composer/installed.json only', () => {
    const wants = (path: string) => installed.wants({ path, size: 1, mode: 0o100644 });
    expect(wants('var/www/vendor/composer/installed.json')).toBe(true);
    expect(wants('var/www/vendor/composer/installed.php')).toBe(false);
    expect(wants('var/www/installed.json')).toBe(false);
  });

  it('reads the Composer 2 form, splitting vendor/name, dropping a leading v and marking dev packages', async () => {
    const doc = {
      packages: [monolog, httpKernel, phpunit],
      dev: true,
      'dev-package-names': ['phpunit/phpunit'],
    };
    const result = await run(installed, 'app/vendor/composer/installed.json', JSON.stringify(doc));
    expect(result).toEqual({
      packages: [
        {
          type: 'composer',
          namespace: 'monolog',
          name: 'monolog',
          version: '3.4.0',
          licenses: ['MIT'],
        },
        {
          type: 'composer',
          namespace: 'symfony',
          name: 'http-kernel',
          version: '6.3.4',
          licenses: ['MIT'],
          metadata: { versionAsWritten: 'v6.3.4' },
        },
        {
          type: 'composer',
          namespace: 'phpunit',
          name: 'phpunit',
          version: '10.3.2',
          licenses: ['BSD-3-Clause'],
          metadata: { dev: true },
        },
      ],
    });
  });

  it('reads the Composer 1 form, a bare array', async () => {
    const result = await run(
      installed,
      'vendor/composer/installed.json',
      JSON.stringify([monolog]),
    );
    expect(result.packages?.map((p) => `${p.namespace}/${p.name}@${p.version}`)).toEqual([
      'monolog/monolog@3.4.0',
    ]);
  });

  it('skips a package without vendor/ in its name, naming the entry', async () => {
    const result = await run(
      installed,
      'vendor/composer/installed.json',
      JSON.stringify([{ name: 'lonely', version: '1.0' }, monolog]),
    );
    expect(result.packages).toHaveLength(1);
    expect(result.warnings).toEqual([
      'vendor/composer/installed.json: entry "packages[0]" skipped: name: expected vendor/name',
    ]);
  });

  it('warns when the document is JSON of the wrong shape and when it is not JSON', async () => {
    const wrong = await run(
      installed,
      'vendor/composer/installed.json',
      JSON.stringify({ packages: 'none' }),
    );
    expect(wrong.warnings).toEqual([
      'vendor/composer/installed.json: not a Composer installed.json (no packages array)',
    ]);
    const notJson = await run(installed, 'vendor/composer/installed.json', '');
    expect(notJson.warnings?.[0]).toMatch(/^vendor\/composer\/installed\.json: not JSON \(/);
  });
});

describe('composer.lock', () => {
  it('reads packages and packages-dev (dev), keeping branch versions as written', async () => {
    const doc = {
      _readme: ['This file locks the dependencies of your project to a known state'],
      'content-hash': '3b1f0d2e',
      packages: [monolog, { name: 'acme/tools', version: 'dev-main', license: 'proprietary' }],
      'packages-dev': [phpunit],
      aliases: [],
      'minimum-stability': 'stable',
    };
    const result = await run(lock, 'var/www/composer.lock', JSON.stringify(doc));
    const meta = { lockfile: 'composer.lock' };
    expect(result).toEqual({
      packages: [
        {
          type: 'composer',
          namespace: 'monolog',
          name: 'monolog',
          version: '3.4.0',
          licenses: ['MIT'],
          metadata: meta,
        },
        {
          type: 'composer',
          namespace: 'acme',
          name: 'tools',
          version: 'dev-main',
          licenses: ['proprietary'],
          metadata: meta,
        },
        {
          type: 'composer',
          namespace: 'phpunit',
          name: 'phpunit',
          version: '10.3.2',
          licenses: ['BSD-3-Clause'],
          metadata: { ...meta, dev: true },
        },
      ],
    });
  });

  it('does not want composer.lock files shipped inside vendor/', () => {
    expect(
      lock.wants({ path: 'app/vendor/acme/tools/composer.lock', size: 1, mode: 0o100644 }),
    ).toBe(false);
    expect(lock.wants({ path: 'app/composer.lock', size: 1, mode: 0o100644 })).toBe(true);
  });

  it('caps the number of packages per file across both sections', async () => {
    const small = defineTextAnalyzer(composerLockCataloger, { maxPackagesPerFile: 1 });
    const result = await run(
      small,
      'composer.lock',
      JSON.stringify({ packages: [monolog], 'packages-dev': [phpunit] }),
    );
    expect(result.packages?.map((p) => p.name)).toEqual(['monolog']);
    expect(result.warnings).toEqual(['composer.lock: more than 1 packages; the rest skipped']);
  });
});

import { describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult } from '../../types.js';
import { pnpmLockCataloger } from './npm-pnpm-lock.js';
import { defineTextAnalyzer } from '../text-input.js';

const pnpm = defineTextAnalyzer(pnpmLockCataloger);
const ctx = createScanContext();

function run(text: string): Promise<AnalysisResult> {
  const content = Buffer.from(text);
  return pnpm.analyze(
    { path: 'app/pnpm-lock.yaml', size: content.length, mode: 0o100644, content },
    ctx,
  );
}

const ids = (result: AnalysisResult) =>
  result.packages?.map(
    (p) =>
      `${p.namespace ? `${p.namespace}/` : ''}${p.name}@${p.version}${p.metadata?.dev ? ' dev' : ''}`,
  );

describe('pnpm-lock.yaml', () => {
  it('reads lockfile 5.4 keys /name/version, stripping _peer suffixes, with dev flags', async () => {
    const result = await run(`lockfileVersion: 5.4

specifiers:
  react-dom: ^18.2.0
  typescript: ^5.0.0

dependencies:
  react-dom: 18.2.0_react@18.2.0

devDependencies:
  typescript: 5.0.4

packages:

  /@babel/runtime/7.21.0:
    resolution: {integrity: sha512-xwdvqkzexamplee==}
    engines: {node: '>=6.9.0'}
    dependencies:
      regenerator-runtime: 0.13.11
    dev: false

  /react-dom/18.2.0_react@18.2.0:
    resolution: {integrity: sha512-6IMTriUmvsjHUjNtEDudZfuDQUoWXVxKHhlEGSk81n4YFS+r/Kl99wXiwlVXtPBtJenozv2P+hxDsw9eA7Xo6g==}
    peerDependencies:
      react: ^18.2.0
    dev: false

  /typescript/5.0.4:
    resolution: {integrity: sha512-cW9T5W9xY37cc+jfEnaUvX91foxtHkza3Nw3wkoF4sSlKn0MONdkdEndig/qPBWXNkmplh3NzayQzCiHM4/hqw==}
    engines: {node: '>=12.20'}
    hasBin: true
    dev: true
`);
    expect(ids(result)).toEqual([
      '@babel/runtime@7.21.0',
      'react-dom@18.2.0',
      'typescript@5.0.4 dev',
    ]);
    expect(result.warnings).toBeUndefined();
  });

  it('reads lockfile 6.0 keys /name@version, stripping (peer) suffixes', async () => {
    const result = await run(`lockfileVersion: '6.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

dependencies:
  '@tanstack/react-query':
    specifier: ^5.0.0
    version: 5.8.4(react@18.2.0)

packages:

  /@tanstack/react-query@5.8.4(react@18.2.0):
    resolution: {integrity: sha512-example==}
    peerDependencies:
      react: ^18.0.0
    dependencies:
      react: 18.2.0
    dev: false

  /react@18.2.0:
    resolution: {integrity: sha512-/3IjMdb2L9QbBdWiW5e3P2/npwMBaU9mHCSCUzNln0ZCYbcfTsGbTJrU/kGemdH2IWmB2ioZ+zkxtmq6g09fGQ==}
    engines: {node: '>=0.10.0'}
    dev: false

  /vitest@1.0.0(@types/node@20.10.0)(jsdom@22.1.0):
    resolution: {integrity: sha512-example==}
    dev: true
`);
    expect(ids(result)).toEqual([
      '@tanstack/react-query@5.8.4',
      'react@18.2.0',
      'vitest@1.0.0 dev',
    ]);
  });

  it('reads lockfile 9.0 packages keyed name@version, taking name/version fields of tarball entries', async () => {
    const result = await run(`lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      '@types/node':
        specifier: ^20.10.0
        version: 20.10.0
      left-pad:
        specifier: https://codeload.github.com/left-pad/left-pad/tar.gz/5b4e5d9
        version: https://codeload.github.com/left-pad/left-pad/tar.gz/5b4e5d9
      ui:
        specifier: link:../ui
        version: link:../ui

packages:

  '@types/node@20.10.0':
    resolution: {integrity: sha512-D0WfRmU9TQ8I9PFx9Yc+EBHw+vSpIub4IDvQivcp26PtPrdMGAq5SDcpXEo/epqa/DXotVpekHiLNTg3iaKXBQ==}

  left-pad@https://codeload.github.com/left-pad/left-pad/tar.gz/5b4e5d9:
    resolution: {tarball: https://codeload.github.com/left-pad/left-pad/tar.gz/5b4e5d9}
    version: 1.3.0

  undici-types@5.26.5:
    resolution: {integrity: sha512-JlCMO+ehdEIKqlFxk6IfVoAUVmgz7cU7zD/h9XZ0qzeosSHmUJVOzSQvvYSYWXkFXC+IfLKSIffhv0sVZup6pA==}

snapshots:

  '@types/node@20.10.0':
    dependencies:
      undici-types: 5.26.5

  left-pad@https://codeload.github.com/left-pad/left-pad/tar.gz/5b4e5d9: {}

  undici-types@5.26.5: {}
`);
    expect(ids(result)).toEqual(['@types/node@20.10.0', 'left-pad@1.3.0', 'undici-types@5.26.5']);
    expect(result.packages?.[0]?.metadata).toEqual({ lockfile: 'pnpm-lock.yaml' });
  });

  it('skips a key that holds no version, naming it', async () => {
    const result = await run(
      `lockfileVersion: '9.0'\npackages:\n  odd@git+https://example.com/odd.git:\n    resolution: {type: git}\n  ok@1.0.0:\n    resolution: {integrity: x}\n`,
    );
    expect(ids(result)).toEqual(['ok@1.0.0']);
    expect(result.warnings).toEqual([
      'app/pnpm-lock.yaml: entry "odd@git+https://example.com/odd.git" skipped: no name and version',
    ]);
  });

  it('warns once when the file is not YAML, and when it is YAML but not a lockfile', async () => {
    const broken = await run('lockfileVersion: "9.0\npackages: {');
    expect(broken.warnings).toHaveLength(1);
    expect(broken.warnings?.[0]).toMatch(/^app\/pnpm-lock\.yaml: not YAML \(/);
    const other = await run('- just\n- a list\n');
    expect(other.warnings).toEqual([
      'app/pnpm-lock.yaml: not a pnpm lockfile (no lockfileVersion)',
    ]);
  });
});

/**
 * A hand-built inventory for the report tests: one image with OS packages (deb with epoch and
 * source, rpm), language packages (scoped npm, maven, Go stdlib and module, PyPI), a licence
 * string that is not SPDX, and one library vendored twice under the same purl.
 */
import type { Inventory, Package } from '../../catalog/types.js';

const baseLayer = 'sha256:7a1e8b5b8b4a6e2c1d0f9e8d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3';
const appLayer = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const packages: Package[] = [
  {
    name: 'zlib1g',
    version: '1:1.2.13.dfsg-1',
    type: 'deb',
    purl: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12',
    arch: 'amd64',
    source: { name: 'zlib', version: '1:1.2.13.dfsg-1' },
    licenses: ['Zlib'],
    layerDigest: baseLayer,
    path: '/var/lib/dpkg/status',
  },
  {
    name: 'libgcc-s1',
    version: '12.2.0-14',
    type: 'deb',
    purl: 'pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12',
    arch: 'amd64',
    source: { name: 'gcc-12', version: '12.2.0-14' },
    licenses: ['GPL-3.0-or-later WITH GCC-exception-3.1', 'GPL-2+ with exception'],
    layerDigest: baseLayer,
    path: '/var/lib/dpkg/status',
  },
  {
    name: 'openssl-libs',
    version: '1:3.0.7-27.el9',
    type: 'rpm',
    purl: 'pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1&distro=rhel-9.4',
    arch: 'x86_64',
    source: { name: 'openssl', version: '3.0.7-27.el9' },
    licenses: ['Apache-2.0'],
    layerDigest: baseLayer,
    path: '/var/lib/rpm/rpmdb.sqlite',
    metadata: { epoch: 1, release: '27.el9' },
  },
  {
    name: 'core',
    version: '7.24.0',
    type: 'npm',
    namespace: '@babel',
    purl: 'pkg:npm/%40babel/core@7.24.0',
    licenses: ['MIT'],
    layerDigest: appLayer,
    path: '/app/node_modules/@babel/core/package.json',
  },
  {
    name: 'lodash',
    version: '4.17.21',
    type: 'npm',
    purl: 'pkg:npm/lodash@4.17.21',
    licenses: ['MIT'],
    layerDigest: appLayer,
    path: '/app/node_modules/lodash/package.json',
  },
  {
    name: 'lodash',
    version: '4.17.21',
    type: 'npm',
    purl: 'pkg:npm/lodash@4.17.21',
    licenses: ['MIT'],
    layerDigest: appLayer,
    path: '/app/node_modules/legacy-tool/node_modules/lodash/package.json',
  },
  {
    name: 'log4j-core',
    version: '2.17.1',
    type: 'maven',
    namespace: 'org.apache.logging.log4j',
    purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1',
    licenses: ['Apache-2.0'],
    layerDigest: appLayer,
    path: '/app/lib/log4j-core-2.17.1.jar',
  },
  {
    name: 'stdlib',
    version: 'go1.22.1',
    type: 'golang',
    purl: 'pkg:golang/stdlib@go1.22.1',
    licenses: ['BSD-3-Clause'],
    layerDigest: appLayer,
    path: '/usr/local/bin/app',
    metadata: { stdlib: true },
  },
  {
    name: 'github.com/spf13/cobra',
    version: 'v1.8.0',
    type: 'golang',
    purl: 'pkg:golang/github.com/spf13/cobra@v1.8.0',
    licenses: [],
    layerDigest: appLayer,
    path: '/usr/local/bin/app',
  },
  {
    name: 'cryptography',
    version: '42.0.5',
    type: 'pypi',
    purl: 'pkg:pypi/cryptography@42.0.5',
    licenses: ['Apache-2.0 OR BSD-3-Clause'],
    layerDigest: appLayer,
    path: '/usr/lib/python3/dist-packages/cryptography-42.0.5.dist-info/METADATA',
  },
];

/** The sample image's inventory; a fresh copy per call so tests cannot leak edits. */
export function sampleInventory(): Inventory {
  return {
    target: 'oci-archive:app.tar',
    artifact: {
      kind: 'container_image',
      name: 'registry.example.com/team/app',
      transport: 'oci-archive',
      manifestDigest: 'sha256:3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a',
      configDigest: 'sha256:c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00',
      repoTags: ['registry.example.com/team/app:1.4.2'],
      platform: { os: 'linux', architecture: 'amd64' },
      os: {
        family: 'debian',
        version: '12',
        codename: 'bookworm',
        name: 'Debian GNU/Linux 12 (bookworm)',
      },
      layers: [
        {
          digest: baseLayer,
          size: 29_126_484,
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          createdBy: '/bin/sh -c #(nop) ADD file:abc in /',
        },
        {
          digest: appLayer,
          size: 4_211_002,
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          diffId: 'sha256:9d5c2f7e8a4b3c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d',
        },
      ],
      labels: { 'org.opencontainers.image.source': 'https://example.com/team/app' },
    },
    packages: structuredClone(packages),
    warnings: ['/app/broken/package.json: not valid JSON, skipped'],
    createdAt: '2026-11-29T09:43:05.123Z',
  };
}

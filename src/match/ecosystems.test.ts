import { describe, expect, it } from 'vitest';

import type { OsInfo, Package } from '../catalog/types.js';
import { distroEcosystems, queryFor } from './ecosystems.js';

function pkg(
  type: Package['type'],
  name: string,
  version: string,
  extra: Partial<Package> = {},
): Package {
  return {
    type,
    name,
    version,
    purl: `pkg:${type}/${name}@${version}`,
    licenses: [],
    path: '/x',
    ...extra,
  };
}

describe('distroEcosystems', () => {
  const cases: [OsInfo, string[]][] = [
    [{ family: 'debian', version: '12' }, ['Debian:12']],
    [{ family: 'debian', version: '', codename: 'trixie' }, ['Debian:13']],
    [{ family: 'ubuntu', version: '22.04' }, ['Ubuntu:22.04:LTS', 'Ubuntu:22.04']],
    [{ family: 'alpine', version: '3.20.1' }, ['Alpine:v3.20']],
    [{ family: 'almalinux', version: '9.4' }, ['AlmaLinux:9']],
    [{ family: 'rocky', version: '9.3' }, ['Rocky Linux:9']],
    [
      { family: 'rhel', version: '9.4' },
      [
        'Red Hat:enterprise_linux:9::baseos',
        'Red Hat:enterprise_linux:9::appstream',
        'Red Hat:enterprise_linux:9::crb',
        'Red Hat:enterprise_linux:9',
      ],
    ],
    [{ family: 'sles', version: '15.6' }, ['SUSE:Linux Enterprise Server 15 SP6']],
    [{ family: 'opensuse-leap', version: '15.6' }, ['openSUSE:Leap 15.6']],
    [{ family: 'wolfi', version: '20230201' }, ['Wolfi']],
    [{ family: 'chainguard', version: '' }, ['Chainguard']],
    [{ family: 'gentoo', version: '2.15' }, []],
  ];
  it.each(cases)('maps %j to its OSV ecosystems', (os, expected) => {
    expect(distroEcosystems(os)).toEqual(expected);
  });
});

describe('queryFor', () => {
  const debian: OsInfo = { family: 'debian', version: '12' };

  it('queries a Debian binary package by its source name and source version', () => {
    const libc6 = pkg('deb', 'libc6', '2.36-9+deb12u7', {
      source: { name: 'glibc', version: '2.36-9+deb12u7' },
    });
    expect(queryFor(libc6, debian)).toEqual({
      ecosystems: ['Debian:12'],
      name: 'glibc',
      version: '2.36-9+deb12u7',
      versionEcosystem: 'deb',
    });
  });

  it('queries an Alpine package by its origin', () => {
    const libcrypto = pkg('apk', 'libcrypto3', '3.3.1-r0', {
      source: { name: 'openssl', version: '3.3.1-r0' },
    });
    expect(queryFor(libcrypto, { family: 'alpine', version: '3.20.1' })).toMatchObject({
      ecosystems: ['Alpine:v3.20'],
      name: 'openssl',
      versionEcosystem: 'apk',
    });
  });

  it('queries an RPM package by its binary name and full epoch:version-release', () => {
    const libs = pkg('rpm', 'openssl-libs', '1:3.0.7-27.el9', {
      source: { name: 'openssl', version: '3.0.7-27.el9' },
    });
    expect(queryFor(libs, { family: 'almalinux', version: '9.4' })).toEqual({
      ecosystems: ['AlmaLinux:9'],
      name: 'openssl-libs',
      version: '1:3.0.7-27.el9',
      versionEcosystem: 'rpm',
    });
  });

  it('explains why an OS package on an unknown distribution cannot be queried', () => {
    expect(queryFor(pkg('deb', 'bash', '5.2'), { family: 'mint', version: '21' })).toEqual({
      reason: 'deb package bash: no OSV ecosystem for mint 21',
    });
  });

  it.each([
    [pkg('npm', 'core', '7.0.0', { namespace: '@babel' }), 'npm', '@babel/core', 'npm'],
    [pkg('pypi', 'Zope.Interface', '5.0'), 'PyPI', 'zope-interface', 'pypi'],
    [pkg('golang', 'stdlib', '1.22.3'), 'Go', 'stdlib', 'golang'],
    [
      pkg('maven', 'guava', '31.0-jre', { namespace: 'com.google.guava' }),
      'Maven',
      'com.google.guava:guava',
      'maven',
    ],
    [pkg('gem', 'rack', '3.0.0'), 'RubyGems', 'rack', 'gem'],
    [pkg('cargo', 'smallvec', '1.0.0'), 'crates.io', 'smallvec', 'cargo'],
    [
      pkg('composer', 'framework', '10.0.0', { namespace: 'laravel' }),
      'Packagist',
      'laravel/framework',
      'composer',
    ],
    [pkg('nuget', 'Newtonsoft.Json', '13.0.1'), 'NuGet', 'Newtonsoft.Json', 'nuget'],
  ])(
    'queries %j in its language ecosystem, whatever the OS',
    (p, ecosystem, name, versionEcosystem) => {
      expect(queryFor(p, undefined)).toEqual({
        ecosystems: [ecosystem],
        name,
        version: p.version,
        versionEcosystem,
      });
    },
  );
});

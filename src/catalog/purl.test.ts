import { describe, expect, it } from 'vitest';

import { purlFor } from './purl.js';

const debian = { family: 'debian', version: '12', codename: 'bookworm' };

describe('purlFor', () => {
  it('names Debian packages with distro, arch and the epoch kept in the version', () => {
    expect(
      purlFor(
        { type: 'deb', name: 'libc6', version: '2.36-9+deb12u7', arch: 'amd64', licenses: [] },
        debian,
      ),
    ).toBe('pkg:deb/debian/libc6@2.36-9+deb12u7?arch=amd64&distro=debian-12');
    expect(purlFor({ type: 'deb', name: 'perl', version: '1:5.36', licenses: [] }, debian)).toBe(
      'pkg:deb/debian/perl@1:5.36?distro=debian-12',
    );
  });

  it('moves an RPM epoch into the epoch qualifier and maps rhel to redhat', () => {
    expect(
      purlFor(
        {
          type: 'rpm',
          name: 'bash',
          version: '1:4.4-19',
          arch: 'x86_64',
          licenses: [],
          metadata: { epoch: 1 },
        },
        { family: 'rhel', version: '8.9' },
      ),
    ).toBe('pkg:rpm/redhat/bash@4.4-19?arch=x86_64&distro=rhel-8.9&epoch=1');
  });

  it('encodes npm scopes and normalises Python names', () => {
    expect(
      purlFor({ type: 'npm', namespace: '@babel', name: 'core', version: '7.1.0', licenses: [] }),
    ).toBe('pkg:npm/%40babel/core@7.1.0');
    expect(purlFor({ type: 'pypi', name: 'Zope.Interface_x', version: '6.0', licenses: [] })).toBe(
      'pkg:pypi/zope-interface-x@6.0',
    );
  });

  it('splits Go module paths into namespace and name', () => {
    expect(
      purlFor({ type: 'golang', name: 'github.com/spf13/cobra', version: 'v1.8.0', licenses: [] }),
    ).toBe('pkg:golang/github.com/spf13/cobra@v1.8.0');
    expect(purlFor({ type: 'golang', name: 'stdlib', version: '1.19.8', licenses: [] })).toBe(
      'pkg:golang/stdlib@1.19.8',
    );
  });

  it('puts the Maven groupId in the namespace', () => {
    expect(
      purlFor({
        type: 'maven',
        namespace: 'org.apache.commons',
        name: 'commons-lang3',
        version: '3.14.0',
        licenses: [],
      }),
    ).toBe('pkg:maven/org.apache.commons/commons-lang3@3.14.0');
  });

  it('leaves out Go non-versions: (devel), empty, the zero placeholder, anything unparsable', () => {
    const go = (name: string, version: string) =>
      purlFor({ type: 'golang', name, version, licenses: [] });
    expect(go('example.com/app', '(devel)')).toBe('pkg:golang/example.com/app');
    expect(go('example.com/app', '')).toBe('pkg:golang/example.com/app');
    expect(go('example.com/lib', 'v0.0.0-00010101000000-000000000000')).toBe(
      'pkg:golang/example.com/lib',
    );
    expect(go('example.com/lib', 'devel +abc')).toBe('pkg:golang/example.com/lib');
    expect(go('example.com/lib', 'v1.2.3')).toBe('pkg:golang/example.com/lib@v1.2.3');
    expect(go('example.com/lib', 'v0.0.0-20191109021931-daa7c04131f5')).toBe(
      'pkg:golang/example.com/lib@v0.0.0-20191109021931-daa7c04131f5',
    );
    expect(go('stdlib', '1.22.5')).toBe('pkg:golang/stdlib@1.22.5');
    expect(go('stdlib', '1.23rc1')).toBe('pkg:golang/stdlib@1.23rc1');
  });
});

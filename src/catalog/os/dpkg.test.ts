import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { createScanContext } from '../context.js';
import { dpkgCopyrightAnalyzer, parseDebianCopyright } from './dpkg-copyright.js';
import { dpkgAnalyzer, parseDpkgStatus } from './dpkg.js';

/** A status file as dpkg writes it, trimmed: epochs, binNMU sources, removed packages. */
const status = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12988
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u7
Depends: libgcc-s1
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.
 .
 This package includes shared versions of the standard C library.

Package: libpam0g
Status: install ok installed
Architecture: amd64
Source: pam
Version: 1.5.2-6+deb12u1

Package: libgnutls30
Status: install ok installed
Architecture: amd64
Source: gnutls28 (3.7.9-2+deb12u3)
Version: 3.7.9-2+deb12u3+b1

Package: adduser
Status: install ok installed
Architecture: all
Version: 3.134
Conffiles:
 /etc/adduser.conf cc3493ecd2d09837ffdcc3e25fdfff18
 /etc/deluser.conf 11a06baf8245fd6d8b3e4a1e3fe5c0f4

Package: perl-base
Status: hold ok installed
Architecture: amd64
Source: perl
Version: 1:5.36.0-7+deb12u1

Package: old-removed
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: not-installed
Status: purge ok not-installed
Architecture: amd64

Package: half
Status: install reinstreq half-installed
Architecture: amd64
Version: 2.0-1
`;

describe('parseDpkgStatus', () => {
  const { packages, warnings } = parseDpkgStatus(status);

  it('reports only packages whose status is installed, in file order', () => {
    expect(packages.map((p) => p.name)).toEqual([
      'libc6',
      'libpam0g',
      'libgnutls30',
      'adduser',
      'perl-base',
    ]);
    expect(warnings).toEqual([]);
  });

  it('keeps the epoch in the version and reads the architecture', () => {
    expect(packages.find((p) => p.name === 'perl-base')).toEqual({
      name: 'perl-base',
      version: '1:5.36.0-7+deb12u1',
      type: 'deb',
      arch: 'amd64',
      source: { name: 'perl', version: '1:5.36.0-7+deb12u1' },
      licenses: [],
    });
  });

  it('takes the source version from Source when given, else the binary version', () => {
    const source = (name: string) => packages.find((p) => p.name === name)?.source;
    expect(source('libgnutls30')).toEqual({ name: 'gnutls28', version: '3.7.9-2+deb12u3' });
    expect(source('libc6')).toEqual({ name: 'glibc', version: '2.36-9+deb12u7' });
  });

  it('uses the package as its own source when there is no Source field', () => {
    expect(packages.find((p) => p.name === 'adduser')?.source).toEqual({
      name: 'adduser',
      version: '3.134',
    });
  });

  it('skips a malformed stanza with a warning naming file and line, keeping the others', () => {
    const text = `Package: good\nStatus: install ok installed\nVersion: 1\n\nPackage: bad\nthis line has no colon\nVersion: 2\n\nPackage: also-good\nStatus: install ok installed\nVersion: 3\n`;
    const result = parseDpkgStatus(text, { path: 'var/lib/dpkg/status' });
    expect(result.packages.map((p) => p.name)).toEqual(['good', 'also-good']);
    expect(result.warnings).toEqual(['/var/lib/dpkg/status:6: malformed line, stanza skipped']);
  });

  it('treats a continuation line before any field as malformed', () => {
    const result = parseDpkgStatus(' dangling\nPackage: x\nVersion: 1\n');
    expect(result.packages).toEqual([]);
    expect(result.warnings).toContain('/var/lib/dpkg/status:1: malformed line, stanza skipped');
  });

  it('warns, without throwing, about a file with nothing parseable', () => {
    expect(parseDpkgStatus('\u0000\u0001 binary garbage\n')).toEqual({
      packages: [],
      warnings: [
        '/var/lib/dpkg/status:1: malformed line, stanza skipped',
        '/var/lib/dpkg/status: no dpkg package stanza found',
      ],
    });
    expect(parseDpkgStatus('').warnings).toEqual([
      '/var/lib/dpkg/status: no dpkg package stanza found',
    ]);
  });

  it('accepts CRLF line ends', () => {
    const text = 'Package: a\r\nStatus: install ok installed\r\nVersion: 1.0\r\n\r\n';
    expect(parseDpkgStatus(text).packages.map((p) => [p.name, p.version])).toEqual([['a', '1.0']]);
  });
});

describe('dpkgAnalyzer', () => {
  const wants = (path: string) => dpkgAnalyzer.wants({ path, size: 100, mode: 0o644 });

  it('wants the status file and distroless status.d files, not their md5sums', () => {
    expect(wants('var/lib/dpkg/status')).toBe(true);
    expect(wants('var/lib/dpkg/status.d/libc6')).toBe(true);
    expect(wants('var/lib/dpkg/status.d/libc6.md5sums')).toBe(false);
    expect(wants('var/lib/dpkg/status-old')).toBe(false);
    expect(wants('var/lib/dpkg/status.d/sub/x')).toBe(false);
  });

  it('treats a distroless status.d stanza without Status as installed', async () => {
    const text = 'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n';
    const result = await dpkgAnalyzer.analyze(
      {
        path: 'var/lib/dpkg/status.d/tzdata',
        size: text.length,
        mode: 0o644,
        content: Buffer.from(text),
      },
      createScanContext(),
    );
    expect(result.packages?.map((p) => `${p.name} ${p.version}`)).toEqual([
      'tzdata 2024a-0+deb12u1',
    ]);
  });
});

const haveDpkg =
  existsSync('/var/lib/dpkg/status') &&
  (() => {
    try {
      execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

describe.skipIf(!haveDpkg)(
  'parseDpkgStatus against dpkg-query (needs dpkg on this machine)',
  () => {
    it("lists exactly what dpkg-query lists as installed in this machine's status", () => {
      const format =
        '${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n';
      const oracle = execFileSync(
        'dpkg-query',
        ['--admindir=/var/lib/dpkg', '-W', `-f=${format}`],
        {
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      )
        .split('\n')
        .filter((line) => line[1] === 'i') // status "installed"
        .map((line) => line.split('\t').slice(1).join('\t'))
        .sort();
      const { packages, warnings } = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8'));
      const ours = packages
        .map((p) => [p.name, p.version, p.arch, p.source?.name, p.source?.version].join('\t'))
        .sort();
      expect(oracle.length).toBeGreaterThan(0);
      expect(ours).toEqual(oracle);
      expect(warnings).toEqual([]);
    });
  },
);

describe('parseDebianCopyright', () => {
  it('reads the License fields of a machine-readable file, once each', () => {
    const text = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: zlib

Files: *
Copyright: 1995-2013 Jean-loup Gailly and Mark Adler
License: Zlib

Files: debian/*
Copyright: 2009 Mark Brown
License: GPL-2+ or Artistic

License: Zlib
 This software is provided 'as-is', without any express or implied
 warranty.
`;
    expect(parseDebianCopyright(text)).toEqual(['Zlib', 'GPL-2+ or Artistic']);
  });

  it('reads common-licenses references of a free-form file', () => {
    const text = `This is Debian's prepackaged version of foo.
On Debian systems, the complete text of the GNU General Public License
can be found in /usr/share/common-licenses/GPL-2.
`;
    expect(parseDebianCopyright(text)).toEqual(['GPL-2']);
  });

  it('hands licences to the orchestrator keyed by the package named in the path', async () => {
    const text = 'License: MIT\n';
    const result = await dpkgCopyrightAnalyzer.analyze(
      {
        path: 'usr/share/doc/libfoo1/copyright',
        size: text.length,
        mode: 0o644,
        content: Buffer.from(text),
      },
      createScanContext(),
    );
    expect(result).toEqual({ licenses: [{ type: 'deb', name: 'libfoo1', licenses: ['MIT'] }] });
    expect(
      dpkgCopyrightAnalyzer.wants({ path: 'usr/share/doc/a/b/copyright', size: 1, mode: 0 }),
    ).toBe(false);
  });
});

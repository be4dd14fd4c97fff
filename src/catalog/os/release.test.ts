import { describe, expect, it } from 'vitest';

import { createScanContext } from '../context.js';
import {
  osReleaseAnalyzer,
  parseAlpineRelease,
  parseDebianVersion,
  parseLsbRelease,
  parseOsRelease,
  parseOsReleaseFields,
  parseRedHatRelease,
} from './release.js';

const debian12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

const ubuntu2204 = `PRETTY_NAME="Ubuntu 22.04.4 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.4 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
UBUNTU_CODENAME=jammy
`;

const alpine = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.1
PRETTY_NAME="Alpine Linux v3.20"
`;

const rocky9 = `NAME="Rocky Linux"
VERSION="9.3 (Blue Onyx)"
ID="rocky"
ID_LIKE="rhel centos fedora"
VERSION_ID="9.3"
PRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"
`;

describe('parseOsRelease', () => {
  it('reads Debian with its codename', () => {
    expect(parseOsRelease(debian12)).toEqual({
      family: 'debian',
      version: '12',
      codename: 'bookworm',
      name: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('reads Ubuntu', () => {
    expect(parseOsRelease(ubuntu2204)).toMatchObject({
      family: 'ubuntu',
      version: '22.04',
      codename: 'jammy',
    });
  });

  it('reads Alpine with unquoted values', () => {
    expect(parseOsRelease(alpine)).toEqual({
      family: 'alpine',
      version: '3.20.1',
      name: 'Alpine Linux v3.20',
    });
  });

  it('reads RHEL-likes with every value quoted', () => {
    expect(parseOsRelease(rocky9)).toMatchObject({ family: 'rocky', version: '9.3' });
    expect(parseOsRelease('ID="rhel"\nVERSION_ID="8.9"\n')).toMatchObject({
      family: 'rhel',
      version: '8.9',
    });
    expect(parseOsRelease("ID='almalinux'\nVERSION_ID='9.4'\n")).toMatchObject({
      family: 'almalinux',
      version: '9.4',
    });
  });

  it('keeps the os-release ID of other distributions as the family', () => {
    const family = (id: string) => parseOsRelease(`ID=${id}\nVERSION_ID=1\n`)?.family;
    for (const id of ['amzn', 'mariner', 'azurelinux', 'wolfi', 'chainguard', 'photon', 'ol']) {
      expect(family(id)).toBe(id);
    }
    expect(family('"opensuse-leap"')).toBe('opensuse-leap');
    expect(family('"sles"')).toBe('sles');
  });

  it('gives Debian testing an empty version', () => {
    expect(parseOsRelease('ID=debian\nVERSION_CODENAME=trixie\n')).toEqual({
      family: 'debian',
      version: '',
      codename: 'trixie',
    });
  });

  it('takes an old Debian codename from VERSION', () => {
    expect(parseOsRelease('ID=debian\nVERSION_ID="8"\nVERSION="8 (jessie)"\n')).toMatchObject({
      codename: 'jessie',
    });
  });

  it('lower-cases the ID', () => {
    expect(parseOsRelease('ID=Fedora\nVERSION_ID=40\n')?.family).toBe('fedora');
  });

  it('returns undefined without an ID', () => {
    expect(parseOsRelease('NAME=Something\n')).toBeUndefined();
  });
});

describe('parseOsReleaseFields', () => {
  it('undoes shell escapes inside double quotes', () => {
    expect(parseOsReleaseFields('NAME="a \\"quoted\\" \\$x \\\\ b"')).toEqual({
      NAME: 'a "quoted" $x \\ b',
    });
  });

  it('keeps single-quoted text literally', () => {
    expect(parseOsReleaseFields('NAME=\'a \\n "b"\'')).toEqual({ NAME: 'a \\n "b"' });
  });

  it('skips comments, blank and malformed lines, and unterminated quotes', () => {
    expect(
      parseOsReleaseFields('# ID=nope\n\nnot a line\nID=debian # trailing\nNAME="open\n'),
    ).toEqual({ ID: 'debian' });
  });

  it('accepts CRLF line ends', () => {
    expect(parseOsReleaseFields('ID=ubuntu\r\nVERSION_ID="20.04"\r\n')).toEqual({
      ID: 'ubuntu',
      VERSION_ID: '20.04',
    });
  });
});

describe('fallback release files', () => {
  it('reads /etc/alpine-release', () => {
    expect(parseAlpineRelease('3.18.4\n')).toEqual({ family: 'alpine', version: '3.18.4' });
  });

  it('reads a numbered /etc/debian_version as its major release', () => {
    expect(parseDebianVersion('12.5\n')).toEqual({ family: 'debian', version: '12' });
  });

  it('reads a testing /etc/debian_version as a codename', () => {
    expect(parseDebianVersion('bookworm/sid\n')).toEqual({
      family: 'debian',
      version: '',
      codename: 'bookworm',
    });
  });

  it('reads redhat-release of several distributions', () => {
    expect(parseRedHatRelease('Red Hat Enterprise Linux release 8.9 (Ootpa)\n')).toMatchObject({
      family: 'rhel',
      version: '8.9',
    });
    expect(parseRedHatRelease('CentOS Linux release 7.9.2009 (Core)\n')).toMatchObject({
      family: 'centos',
      version: '7.9.2009',
    });
    expect(parseRedHatRelease('Amazon Linux release 2 (Karoo)\n')).toMatchObject({
      family: 'amzn',
      version: '2',
    });
    expect(parseRedHatRelease('Something else entirely\n')).toBeUndefined();
  });

  it('reads /etc/lsb-release', () => {
    const text =
      'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.4 LTS"\n';
    expect(parseLsbRelease(text)).toEqual({
      family: 'ubuntu',
      version: '22.04',
      codename: 'jammy',
      name: 'Ubuntu 22.04.4 LTS',
    });
  });
});

describe('osReleaseAnalyzer', () => {
  const analyze = (path: string, text: string) =>
    osReleaseAnalyzer.analyze(
      { path, size: text.length, mode: 0o644, content: Buffer.from(text) },
      createScanContext(),
    );

  it('wants both os-release locations and the fallbacks, nothing else', () => {
    const wants = (path: string) => osReleaseAnalyzer.wants({ path, size: 10, mode: 0o644 });
    expect(wants('etc/os-release')).toBe(true);
    expect(wants('usr/lib/os-release')).toBe(true);
    expect(wants('etc/debian_version')).toBe(true);
    expect(wants('etc/redhat-release')).toBe(true);
    expect(wants('etc/os-release.bak')).toBe(false);
    expect(wants('opt/etc/os-release')).toBe(false);
  });

  it('ranks etc/os-release above usr/lib/os-release above the fallbacks', async () => {
    const etc = await analyze('etc/os-release', debian12);
    const lib = await analyze('usr/lib/os-release', debian12);
    const fallback = await analyze('etc/debian_version', '12.5\n');
    expect(etc.os?.priority).toBe(100);
    expect(lib.os?.priority).toBe(90);
    expect(fallback.os?.priority).toBeLessThan(90);
  });

  it('ranks lsb-release above debian_version, which Ubuntu also ships', async () => {
    const lsb = await analyze('etc/lsb-release', 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n');
    const deb = await analyze('etc/debian_version', 'bookworm/sid\n');
    expect(lsb.os?.priority).toBeGreaterThan(deb.os?.priority ?? 0);
  });

  it('warns about a file without an identity instead of guessing', async () => {
    const result = await analyze('etc/os-release', 'garbage\n');
    expect(result.os).toBeUndefined();
    expect(result.warnings).toEqual(['/etc/os-release: no OS identity found']);
  });
});

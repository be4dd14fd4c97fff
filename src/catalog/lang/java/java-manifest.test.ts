import { describe, expect, it } from 'vitest';

import { manifestIdentity, parseManifest } from './java-manifest.js';

describe('parseManifest', () => {
  it('joins continuation lines that start with one space', () => {
    const text =
      'Manifest-Version: 1.0\r\nBundle-SymbolicName: com.fasterxml.jackson.core.jackson-da\r\n tabind;singleton:=true\r\n';
    expect(parseManifest(text).get('Bundle-SymbolicName')).toBe(
      'com.fasterxml.jackson.core.jackson-databind;singleton:=true',
    );
  });

  it('reads only the main section', () => {
    const text = 'Implementation-Version: 1.0\n\nName: org/example/\nImplementation-Version: 9.9\n';
    expect(parseManifest(text).get('Implementation-Version')).toBe('1.0');
  });
});

describe('manifestIdentity', () => {
  it('takes coordinates from the Implementation headers', () => {
    const text =
      'Implementation-Title: my-lib\nImplementation-Vendor-Id: com.example\nImplementation-Version: 2.0.1\n';
    expect(manifestIdentity(parseManifest(text))).toEqual({
      groupId: 'com.example',
      artifactId: 'my-lib',
      version: '2.0.1',
    });
  });

  it('derives the group from an OSGi symbolic name and the version from Bundle-Version', () => {
    const text =
      'Bundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind\nBundle-Version: 2.15.2\n';
    expect(manifestIdentity(parseManifest(text))).toEqual({
      groupId: 'com.fasterxml.jackson.core',
      version: '2.15.2',
    });
  });

  it('does not take a human-readable title for an artifact id', () => {
    expect(
      manifestIdentity(parseManifest('Implementation-Title: Apache Commons Lang\n')).artifactId,
    ).toBeUndefined();
  });

  it('takes Implementation-Vendor-Id for a groupId only when it is a reverse-DNS name', () => {
    const text =
      'Implementation-Vendor-Id: The Apache Software Foundation\nBundle-SymbolicName: org.apache.commons.lang3\n';
    expect(manifestIdentity(parseManifest(text)).groupId).toBe('org.apache.commons');
    expect(
      manifestIdentity(parseManifest('Implementation-Vendor-Id: Oracle\n')).groupId,
    ).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';

import { memoryImage, type MemoryEntry } from '../../../../test/fixtures/memory-image.js';
import { buildZip } from '../../../../test/fixtures/zip-builder.js';
import { catalogImage } from '../../inventory.js';
import { mavenRepoCoordinates } from './maven-repo.js';

/** A JAR as Debian builds many: a manifest, classes, no pom.properties. */
const jar = (manifest: string) =>
  buildZip([
    { name: 'META-INF/MANIFEST.MF', data: `Manifest-Version: 1.0\r\n${manifest}\r\n` },
    { name: 'org/example/A.class', data: Buffer.alloc(32, 0xca) },
  ]);

const pom = (g: string, a: string, v: string) =>
  `<project><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></project>`;

/** `usr/share/maven-repo/<g>/<a>/<v>/` with the pom and the JAR link Debian installs there. */
function repoEntries(groupPath: string, artifact: string, version: string, target: string) {
  const dir = `usr/share/maven-repo/${groupPath}/${artifact}/${version}`;
  const group = groupPath.split('/').join('.');
  return [
    { path: `${dir}/${artifact}-${version}.pom`, content: pom(group, artifact, version) },
    { path: `${dir}/${artifact}-${version}.jar`, type: 'symlink', linkTarget: target },
  ] satisfies MemoryEntry[];
}

async function mavenPackages(entries: MemoryEntry[]) {
  const inventory = await catalogImage(memoryImage([entries]));
  return {
    packages: inventory.packages.map((p) => [p.purl, p.path, p.metadata?.source]),
    warnings: inventory.warnings,
  };
}

// Modelled on Debian 12's libcommons-collections3-java 3.2.2-2: its manifest says
// Implementation-Vendor-Id org.apache (not the groupId), the file name says commons-collections3.
const collectionsManifest =
  'Implementation-Title: Commons Collections\r\nImplementation-Vendor: Apache Software Foundation\r\n' +
  'Implementation-Vendor-Id: org.apache\r\nImplementation-Version: 3.2.2\r\n' +
  'Bundle-SymbolicName: org.apache.commons.collections\r\nBundle-Version: 3.2.2\r\n';

describe('Debian maven-repo poms', () => {
  it('name the JAR their link resolves to, over the manifest and the file name', async () => {
    const result = await mavenPackages([
      { path: 'usr/share/java/commons-collections3-3.2.2.jar', content: jar(collectionsManifest) },
      {
        path: 'usr/share/java/commons-collections3.jar',
        type: 'symlink',
        linkTarget: 'commons-collections3-3.2.2.jar',
      },
      ...repoEntries(
        'commons-collections',
        'commons-collections',
        '3.2.2',
        '../../../../java/commons-collections3-3.2.2.jar',
      ),
      ...repoEntries(
        'commons-collections',
        'commons-collections',
        '3.x',
        '../../../../java/commons-collections3-3.2.2.jar',
      ),
    ]);
    expect(result).toEqual({
      packages: [
        [
          'pkg:maven/commons-collections/commons-collections@3.2.2',
          '/usr/share/java/commons-collections3-3.2.2.jar',
          'maven-repo',
        ],
      ],
      warnings: [],
    });
  });

  it('give a JAR with neither pom.properties nor groupId its identity, so it gets a purl', async () => {
    const result = await mavenPackages([
      { path: 'usr/share/java/jzlib-1.1.3.jar', content: jar('Created-By: 17 (Debian)\r\n') },
      { path: 'usr/share/java/jzlib.jar', type: 'symlink', linkTarget: 'jzlib-1.1.3.jar' },
      ...repoEntries('com/jcraft', 'jzlib', '1.1.3', '../../../../../java/jzlib.jar'),
      ...repoEntries('com/jcraft', 'jzlib', 'debian', '../../../../../java/jzlib.jar'),
    ]);
    expect(result.packages).toEqual([
      ['pkg:maven/com.jcraft/jzlib@1.1.3', '/usr/share/java/jzlib-1.1.3.jar', 'maven-repo'],
    ]);
    expect(result.warnings).toEqual([]);
  });

  it('do not touch a JAR they do not link to, nor one its own pom.properties names', async () => {
    const withPom = buildZip([
      {
        name: 'META-INF/maven/org.x/lib/pom.properties',
        data: 'groupId=org.x\nartifactId=lib\nversion=2\n',
      },
    ]);
    const result = await mavenPackages([
      { path: 'usr/share/java/lib-2.jar', content: withPom },
      { path: 'opt/app/other-1.0.jar', content: jar('Implementation-Vendor-Id: com.example\r\n') },
      ...repoEntries('org/y', 'lib', '2', '../../../../../java/lib-2.jar'),
      ...repoEntries('org/z', 'other', '1.0', '../../../../../java/other-1.0.jar'),
    ]);
    expect(result.packages).toEqual([
      ['pkg:maven/org.x/lib@2', '/usr/share/java/lib-2.jar', 'pom.properties'],
      ['pkg:maven/com.example/other@1.0', '/opt/app/other-1.0.jar', 'manifest'],
    ]);
  });
});

describe('mavenRepoCoordinates', () => {
  it('reads group, artifact and version from the repository path', () => {
    expect(
      mavenRepoCoordinates(
        'usr/share/maven-repo/org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.pom',
      ),
    ).toEqual({ groupId: 'org.apache.commons', artifactId: 'commons-lang3', version: '3.12.0' });
    expect(mavenRepoCoordinates('usr/share/maven-repo/org/x/lib/1/other-1.pom')).toBeUndefined();
    expect(mavenRepoCoordinates('usr/share/maven-repo/lib/1/lib-1.pom')).toBeUndefined();
  });
});

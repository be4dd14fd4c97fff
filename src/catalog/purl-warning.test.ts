import { describe, expect, it } from 'vitest';

import { buildZip } from '../../test/fixtures/zip-builder.js';
import { memoryImage } from '../../test/fixtures/memory-image.js';
import { buildReport } from '../report/json.js';
import { reportSchema } from '../report/report-schema.js';
import { catalogImage } from './inventory.js';
import type { BufferAnalyzer } from './types.js';

// Debian ships JARs like this under /usr/share/java: no pom.properties, a manifest without
// coordinates, and only the file name to go by, so the package has no Maven groupId.
const nameOnlyJar = buildZip([
  {
    name: 'META-INF/MANIFEST.MF',
    data: 'Manifest-Version: 1.0\r\nCreated-By: 17 (Debian)\r\n\r\n',
  },
  { name: 'org/example/A.class', data: Buffer.alloc(32, 0xca) },
]);

/** Reports one package of every kind packageurl-js refuses: no name, Maven without group. */
const oddAnalyzer: BufferAnalyzer = {
  name: 'odd',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path === 'odd.txt',
  analyze: () =>
    Promise.resolve({
      packages: [
        { type: 'npm', name: '', version: '1.0.0', licenses: [] },
        { type: 'maven', name: 'lonely', version: '2', licenses: [] },
        { type: 'npm', name: 'fine', version: '1.0.0', licenses: [] },
      ],
    }),
};

describe('packages no purl can name', () => {
  it('are kept without a purl, with one warning each, and the inventory still completes', async () => {
    const inventory = await catalogImage(memoryImage([[{ path: 'odd.txt', content: 'x' }]]), {
      analyzers: [oddAnalyzer],
    });
    expect(inventory.packages.map((p) => [p.name, p.purl])).toEqual([
      ['lonely', undefined],
      ['', undefined],
      ['fine', 'pkg:npm/fine@1.0.0'],
    ]);
    expect(inventory.warnings).toEqual([
      '/odd.txt: npm package "" "1.0.0" has no purl (Invalid purl: "name" is a required component); reported without one',
      '/odd.txt: maven package "lonely" "2" has no purl (Invalid purl: maven requires a "namespace" component); reported without one',
    ]);
  });

  it('include a JAR known only by its file name, which the default analyzers catalog', async () => {
    const inventory = await catalogImage(
      memoryImage([[{ path: 'usr/share/java/commons-foo-1.2.jar', content: nameOnlyJar }]]),
    );
    expect(inventory.packages).toMatchObject([
      {
        type: 'maven',
        name: 'commons-foo',
        version: '1.2',
        path: '/usr/share/java/commons-foo-1.2.jar',
      },
    ]);
    expect(inventory.packages[0]?.purl).toBeUndefined();
    expect(inventory.warnings).toEqual([
      expect.stringMatching(
        /^\/usr\/share\/java\/commons-foo-1\.2\.jar: maven package "commons-foo" "1\.2" has no purl/,
      ),
    ]);
    // The report documents the field as optional and validates without it.
    const report = buildReport(inventory);
    expect(reportSchema.safeParse(report).success).toBe(true);
    expect(report.packages[0]).not.toHaveProperty('purl');
  });
});

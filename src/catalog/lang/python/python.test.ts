import { describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult } from '../../types.js';
import { normalizePythonName, pythonMetadataCataloger } from './python.js';
import { defineTextAnalyzer } from '../text-input.js';

const python = defineTextAnalyzer(pythonMetadataCataloger);
const ctx = createScanContext();

function run(path: string, text: string): Promise<AnalysisResult> {
  const content = Buffer.from(text);
  return python.analyze({ path, size: content.length, mode: 0o100644, content }, ctx);
}

const wants = (path: string) => python.wants({ path, size: 1, mode: 0o100644 });

// Header of Debian bookworm's /usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA,
// with its description body (which must not be read as headers).
const pyyaml = `Metadata-Version: 2.1
Name: PyYAML
Version: 6.0
Summary: YAML parser and emitter for Python
Home-page: https://pyyaml.org/
Author: Kirill Simonov
Author-email: xi@resolvent.net
License: MIT
Project-URL: Bug Tracker, https://github.com/yaml/pyyaml/issues
Platform: Any
Classifier: Development Status :: 5 - Production/Stable
Classifier: License :: OSI Approved :: MIT License
Classifier: Programming Language :: Python :: 3
Requires-Python: >=3.6
License-File: LICENSE

YAML is a data serialization format designed for human readability
Name: not-a-header
Version: 0.0
`;

describe('Python core metadata', () => {
  it('wants dist-info METADATA, egg-info PKG-INFO and single-file egg-info', () => {
    expect(wants('usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA')).toBe(true);
    expect(wants('usr/local/lib/python3.11/site-packages/PyJWT-2.6.0.egg-info/PKG-INFO')).toBe(
      true,
    );
    expect(wants('usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info')).toBe(true);
    expect(wants('usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/RECORD')).toBe(false);
    expect(wants('app/METADATA')).toBe(false);
  });

  it('reads name, version and license from the header only, normalising the name', async () => {
    const result = await run('usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA', pyyaml);
    expect(result).toEqual({
      packages: [
        {
          type: 'pypi',
          name: 'pyyaml',
          version: '6.0',
          licenses: ['MIT'],
          metadata: { originalName: 'PyYAML' },
        },
      ],
    });
  });

  it('prefers License-Expression over License and classifiers', async () => {
    const text =
      'Metadata-Version: 2.4\nName: attrs\nVersion: 24.2.0\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n';
    const result = await run('x/attrs-24.2.0.dist-info/METADATA', text);
    expect(result.packages?.[0]?.licenses).toEqual(['MIT OR Apache-2.0']);
  });

  it('ignores a License field holding the whole license text and falls back to classifiers', async () => {
    const text = [
      'Metadata-Version: 2.1',
      'Name: Zope.Interface',
      'Version: 6.0',
      'License: Copyright (c) 2004 Zope Foundation and Contributors.',
      '        All Rights Reserved.',
      '        Redistribution and use in source and binary forms...',
      'Classifier: License :: OSI Approved :: Zope Public License',
      'Classifier: License :: OSI Approved',
      '',
    ].join('\n');
    const result = await run('x/Zope.Interface-6.0.egg-info/PKG-INFO', text);
    expect(result.packages).toEqual([
      {
        type: 'pypi',
        name: 'zope-interface',
        version: '6.0',
        licenses: ['Zope Public License'],
        metadata: { originalName: 'Zope.Interface' },
      },
    ]);
  });

  it('treats License: UNKNOWN as no license', async () => {
    const result = await run('x/a-1.dist-info/METADATA', 'Name: a\nVersion: 1\nLicense: UNKNOWN\n');
    expect(result.packages?.[0]?.licenses).toEqual([]);
  });

  it('warns, naming the file, when Name or Version is missing', async () => {
    const result = await run('x/a-1.dist-info/METADATA', '\u0000\u0001binary garbage');
    expect(result).toEqual({
      warnings: ['x/a-1.dist-info/METADATA: not Python core metadata (no Name and Version)'],
    });
  });

  it('normalises names per PEP 503', () => {
    expect(normalizePythonName('Foo__Bar.-baz')).toBe('foo-bar-baz');
    expect(normalizePythonName('requests')).toBe('requests');
  });
});

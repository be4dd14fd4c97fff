import { describe, expect, it } from 'vitest';

import { createScanContext } from '../../context.js';
import type { AnalysisResult } from '../../types.js';
import { dotnetDepsCataloger } from './dotnet.js';
import { defineTextAnalyzer } from '../text-input.js';

const deps = defineTextAnalyzer(dotnetDepsCataloger);
const ctx = createScanContext();

function run(text: string): Promise<AnalysisResult> {
  const content = Buffer.from(text);
  return deps.analyze(
    { path: 'app/WebApi.deps.json', size: content.length, mode: 0o100644, content },
    ctx,
  );
}

// The shape `dotnet publish` writes for a framework-dependent app (net8.0).
const webApi = {
  runtimeTarget: { name: '.NETCoreApp,Version=v8.0', signature: '' },
  compilationOptions: {},
  targets: {
    '.NETCoreApp,Version=v8.0': {
      'WebApi/1.0.0': {
        dependencies: {
          'Newtonsoft.Json': '13.0.3',
          'Serilog.AspNetCore': '8.0.0',
          Domain: '1.0.0',
        },
        runtime: { 'WebApi.dll': {} },
      },
      'Newtonsoft.Json/13.0.3': {
        runtime: {
          'lib/net6.0/Newtonsoft.Json.dll': {
            assemblyVersion: '13.0.0.0',
            fileVersion: '13.0.3.27908',
          },
        },
      },
      'Serilog.AspNetCore/8.0.0': { runtime: { 'lib/net8.0/Serilog.AspNetCore.dll': {} } },
      'Domain/1.0.0': { runtime: { 'Domain.dll': {} } },
    },
  },
  libraries: {
    'WebApi/1.0.0': { type: 'project', serviceable: false, sha512: '' },
    'Newtonsoft.Json/13.0.3': {
      type: 'package',
      serviceable: true,
      sha512:
        'sha512-HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==',
      path: 'newtonsoft.json/13.0.3',
      hashPath: 'newtonsoft.json.13.0.3.nupkg.sha512',
    },
    'Serilog.AspNetCore/8.0.0': {
      type: 'package',
      serviceable: true,
      sha512: 'sha512-x',
      path: 'serilog.aspnetcore/8.0.0',
    },
    'Domain/1.0.0': { type: 'project', serviceable: false, sha512: '' },
    'Microsoft.NETCore.App.Runtime.linux-x64/8.0.0': {
      type: 'runtimepack',
      serviceable: false,
      sha512: '',
    },
  },
};

describe('.NET deps.json', () => {
  it('wants *.deps.json only', () => {
    expect(deps.wants({ path: 'app/WebApi.deps.json', size: 1, mode: 0o100644 })).toBe(true);
    expect(deps.wants({ path: 'app/WebApi.runtimeconfig.json', size: 1, mode: 0o100644 })).toBe(
      false,
    );
  });

  it('reads package libraries, keeping the id case, and skips projects and runtime packs', async () => {
    expect(await run(JSON.stringify(webApi))).toEqual({
      packages: [
        { type: 'nuget', name: 'Newtonsoft.Json', version: '13.0.3', licenses: [] },
        { type: 'nuget', name: 'Serilog.AspNetCore', version: '8.0.0', licenses: [] },
      ],
    });
  });

  it('skips a library without a type or with a malformed key, naming it', async () => {
    const doc = {
      libraries: {
        'A/1.0.0': { serviceable: true },
        NoVersion: { type: 'package' },
        'B/2.0.0': { type: 'package' },
      },
    };
    const result = await run(JSON.stringify(doc));
    expect(result.packages?.map((p) => p.name)).toEqual(['B']);
    expect(result.warnings).toEqual([
      'app/WebApi.deps.json: entry "A/1.0.0" skipped: type: Invalid input: expected string, received undefined',
      'app/WebApi.deps.json: entry "NoVersion" skipped: expected Name/Version',
    ]);
  });

  it('warns once when the file is not JSON or libraries has the wrong type', async () => {
    expect((await run('{"libraries": ')).warnings?.[0]).toMatch(
      /^app\/WebApi\.deps\.json: not JSON \(/,
    );
    expect((await run('{"libraries": []}')).warnings).toEqual([
      'app/WebApi.deps.json: not a .deps.json (libraries is not an object)',
    ]);
  });
});

/**
 * .NET: NuGet packages an application was built against, from its `*.deps.json`. The
 * `libraries` map is keyed `Name/Version`; only `type: "package"` entries are NuGet packages
 * (`project` entries are the application's own projects, `runtimepack`/`reference` belong to the
 * runtime). Package ids keep their case, as the NuGet purl does.
 */
import { z } from 'zod';

import { decodeJson, decodeText, type FileFindings, type TextCataloger } from '../text-input.js';

const DepsJson = z.looseObject({ libraries: z.record(z.string(), z.unknown()).optional() });
const Library = z.looseObject({ type: z.string() });

function readDepsJson(content: Buffer, findings: FileFindings): void {
  const doc = decodeJson(decodeText(content));
  if (!doc.ok) return findings.warn(doc.reason);
  const parsed = DepsJson.safeParse(doc.value);
  if (!parsed.success) return findings.warn('not a .deps.json (libraries is not an object)');
  for (const [key, value] of Object.entries(parsed.data.libraries ?? {})) {
    const library = findings.parseEntry(Library, key, value);
    if (library?.type !== 'package') continue;
    const slash = key.indexOf('/');
    const name = key.slice(0, slash);
    const version = key.slice(slash + 1);
    if (slash <= 0 || version === '' || version.includes('/')) {
      findings.skip(key, 'expected Name/Version');
      continue;
    }
    if (!findings.add({ type: 'nuget', name, version, licenses: [] })) return;
  }
}

/** The cataloger of .NET `*.deps.json` files. */
export const dotnetDepsCataloger: TextCataloger = {
  name: 'dotnet-deps',
  version: 1,
  wants: (path) => /[^/]\.deps\.json$/.test(path),
  read: readDepsJson,
};

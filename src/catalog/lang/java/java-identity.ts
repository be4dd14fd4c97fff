/**
 * Decides which Maven packages one Java archive declares: every `pom.properties` under
 * `META-INF/maven/`, else what the manifest says, else the archive's file name
 * (`name-1.2.3.jar`). Pure: the archive walker hands in the texts it read.
 */
import type { FoundPackage } from '../../types.js';
import { manifestIdentity, parseManifest } from './java-manifest.js';

/** `META-INF/maven/<groupId>/<artifactId>/pom.properties`. */
export const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;

/** What the walker found in one archive. */
export interface ArchiveEvidence {
  /** File name of the archive (last path segment). */
  fileName: string;
  /** Texts of every pom.properties, in entry order. */
  pomProperties: string[];
  /** Text of META-INF/MANIFEST.MF, if present. */
  manifest?: string;
}

/** Parses a Java `.properties` text into key/value pairs (comments, `=`/`:` separators). */
export function parseProperties(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (match?.[1]) values.set(match[1], match[2] ?? '');
  }
  return values;
}

/** Splits `commons-lang3-3.12.0.jar` into name and version: the version starts at the first `-<digit>`. */
export function parseArchiveFileName(
  fileName: string,
): { name: string; version?: string } | undefined {
  const stem = fileName.replace(/\.[A-Za-z]+$/, '');
  if (stem === '') return undefined;
  const match = /^(.+?)-(\d[A-Za-z0-9._+-]*)$/.exec(stem);
  return match?.[1] && match[2] ? { name: match[1], version: match[2] } : { name: stem };
}

function maven(
  groupId: string | undefined,
  artifactId: string,
  version: string,
  source: string,
): FoundPackage {
  const pkg: FoundPackage = {
    type: 'maven',
    name: artifactId,
    version,
    licenses: [],
    metadata: { source },
  };
  if (groupId) pkg.namespace = groupId;
  return pkg;
}

/** The packages one archive declares (without nested archives); empty when nothing identifies it. */
export function identifyArchive(evidence: ArchiveEvidence): FoundPackage[] {
  const fromPoms: FoundPackage[] = [];
  for (const text of evidence.pomProperties) {
    const props = parseProperties(text);
    const [groupId, artifactId, version] = ['groupId', 'artifactId', 'version'].map((k) =>
      props.get(k)?.trim(),
    );
    if (groupId && artifactId && version)
      fromPoms.push(maven(groupId, artifactId, version, 'pom.properties'));
  }
  if (fromPoms.length > 0) return fromPoms;

  const manifest =
    evidence.manifest === undefined ? {} : manifestIdentity(parseManifest(evidence.manifest));
  const file = parseArchiveFileName(evidence.fileName);
  const artifactId = manifest.artifactId ?? file?.name;
  const version = manifest.version ?? file?.version;
  if (!artifactId || !version) return [];
  const usedManifest =
    manifest.artifactId !== undefined ||
    manifest.version !== undefined ||
    manifest.groupId !== undefined;
  return [maven(manifest.groupId, artifactId, version, usedManifest ? 'manifest' : 'filename')];
}

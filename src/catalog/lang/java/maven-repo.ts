/**
 * Debian's Maven repository: `/usr/share/maven-repo/<group path>/<artifactId>/<version>/` holds
 * `<artifactId>-<version>.pom` and a symbolic link `<artifactId>-<version>.jar` to the JAR under
 * `/usr/share/java`. Debian builds many JARs without `META-INF/maven/**\/pom.properties`, so this
 * is where their groupId is written down. The link (resolved in the flattened image) ties a pom
 * to exactly one JAR; the coordinates then replace those the manifest or file name suggested.
 * Debian's `debian` version directory and wildcard versions (`3.x`) name no release and are
 * only used when nothing better links to the JAR.
 */
import type { AnalysisResult, BufferAnalyzer, FoundPackage } from '../../types.js';

/** `usr/share/maven-repo/<group path>/<artifactId>/<version>/<artifactId>-<version>.pom`. */
const REPO_POM = /^usr\/share\/maven-repo\/(.+)\/([^/]+)\/([^/]+)\/([^/]+)\.pom$/;

/** Coordinates of a pom in Debian's Maven repository, from its path alone. */
export function mavenRepoCoordinates(
  path: string,
): { groupId: string; artifactId: string; version: string } | undefined {
  const match = REPO_POM.exec(path);
  if (!match?.[1] || !match[2] || !match[3]) return undefined;
  const [, groupPath, artifactId, version, stem] = match;
  if (stem !== `${artifactId}-${version}`) return undefined;
  return { groupId: groupPath.split('/').join('.'), artifactId, version };
}

/** Records the coordinates of every pom in Debian's Maven repository (nothing else is read). */
export const mavenRepoPomAnalyzer: BufferAnalyzer = {
  name: 'maven-repo-pom',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path.endsWith('.pom') && mavenRepoCoordinates(file.path) !== undefined,
  analyze(file) {
    const mavenRepoPom = mavenRepoCoordinates(file.path);
    return Promise.resolve(mavenRepoPom ? { mavenRepoPom } : {});
  },
};

/** A walked file: its path (no leading slash) and what the analyzers learned from it. */
interface ResultFile {
  path: string;
  result: AnalysisResult[];
}

type Coordinates = NonNullable<AnalysisResult['mavenRepoPom']>;

/** `debian` and `3.x` are Debian's aliases, not releases. */
function isRelease(version: string): boolean {
  return version !== 'debian' && !/(?:^|\.)x$/.test(version);
}

/**
 * Gives the Maven packages of every JAR that a maven-repo pom links to the pom's coordinates,
 * replacing results in `files` (never mutating them). `resolve` follows symbolic links in the
 * flattened image. A JAR whose own `pom.properties` named it keeps that identity.
 */
export function applyMavenRepoIdentities(
  files: ResultFile[],
  resolve: (path: string) => string | undefined,
): void {
  const byJar = new Map<string, Coordinates[]>();
  for (const file of files) {
    for (const { mavenRepoPom: pom } of file.result) {
      if (!pom) continue;
      const dir = file.path.slice(0, file.path.lastIndexOf('/'));
      const jar = resolve(`${dir}/${pom.artifactId}-${pom.version}.jar`);
      if (jar === undefined) continue;
      const list = byJar.get(jar) ?? [];
      list.push(pom);
      byJar.set(jar, list);
    }
  }
  if (byJar.size === 0) return;
  for (const file of files) {
    const poms = byJar.get(file.path);
    if (!poms) continue;
    file.result = file.result.map((result) => identify(result, file.path, poms));
  }
}

function identify(result: AnalysisResult, jar: string, poms: Coordinates[]): AnalysisResult {
  const packages = result.packages ?? [];
  const own = packages.filter((p) => p.type === 'maven' && p.metadata?.archive === jar);
  if (own.some((p) => p.metadata?.source === 'pom.properties')) return result;
  const current = own[0];
  const pom = choosePom(poms, current);
  if (!pom) return result;
  const version = isRelease(pom.version) ? pom.version : current?.version;
  if (!version) return result;
  const identified: FoundPackage = {
    ...(current ?? { licenses: [] }),
    type: 'maven',
    namespace: pom.groupId,
    name: pom.artifactId,
    version,
    metadata: { ...current?.metadata, archive: jar, source: 'maven-repo' },
  };
  const others = packages.filter((p) => p !== current);
  return { ...result, packages: [identified, ...others] };
}

/**
 * The pom that names this JAR: among those linking to it, one of a release version, preferring
 * the artifactId and version the JAR itself suggests; undefined when several artifacts link to
 * it and none matches.
 */
function choosePom(
  poms: Coordinates[],
  current: FoundPackage | undefined,
): Coordinates | undefined {
  const releases = poms.filter((p) => isRelease(p.version));
  const pool = releases.length > 0 ? releases : poms;
  const artifacts = new Set(pool.map((p) => `${p.groupId}:${p.artifactId}`));
  const named = pool.filter((p) => p.artifactId === current?.name);
  const candidates = named.length > 0 ? named : artifacts.size === 1 ? pool : [];
  return candidates.find((p) => p.version === current?.version) ?? candidates[0];
}

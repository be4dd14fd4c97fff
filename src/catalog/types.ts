/**
 * The inventory model: packages found in an image, the analyzers that find them, and the
 * per-file results the layer walker collects.
 */

/** Package ecosystems Moat catalogs; the value is the purl type. */
export type PackageType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'golang'
  | 'maven'
  | 'gem'
  | 'cargo'
  | 'composer'
  | 'nuget';

/** The operating system an image is built on. */
export interface OsInfo {
  /** Lower-case ID from os-release (`debian`, `alpine`, `rhel`, `ubuntu`, …). */
  family: string;
  /** VERSION_ID (`12`, `3.20.1`, `9.4`), empty when unknown (e.g. Debian testing). */
  version: string;
  /** VERSION_CODENAME when present (`bookworm`). */
  codename?: string;
  /** PRETTY_NAME when present. */
  name?: string;
}

/** One installed package. */
export interface Package {
  name: string;
  /** Full version as the ecosystem writes it: Debian `epoch:upstream-revision`, RPM `epoch:version-release`. */
  version: string;
  type: PackageType;
  /** Group, scope or vendor where the ecosystem has one (Maven groupId, npm scope with its `@`, composer vendor). */
  namespace?: string;
  /**
   * Package URL; assigned once the OS is known. Absent when the package cannot be named by one
   * (a Maven archive known without its groupId): the inventory then carries a warning instead.
   */
  purl?: string;
  arch?: string;
  /** The source package (Debian source, RPM source rpm, Alpine origin). */
  source?: { name: string; version: string };
  licenses: string[];
  /** Digest of the layer that supplied the file this package was read from. */
  layerDigest?: string;
  /** Path (from the image root, with leading `/`) of the file that declared the package. */
  path: string;
  /** Ecosystem-specific extras, e.g. RPM epoch/release, Go main module marker. */
  metadata?: Record<string, string | number | boolean>;
  /**
   * Every path the package was found at, `path` first, when there is more than one: the
   * installed copy and the lockfile that lists it, or the names of a hard-linked file.
   */
  locations?: string[];
  /** A development dependency (npm `dev`, a poetry group other than main, Pipfile `develop`). */
  dev?: boolean;
  /** An optional dependency (npm `optional`). */
  optional?: boolean;
  /**
   * For a language package whose files an OS package installed (Debian's `python3-urllib3` ships
   * urllib3's dist-info): that OS package. The distribution patches what it ships, so such a
   * package is matched only through its OS package's advisories.
   */
  ownedBy?: PackageLink;
  /** For an OS package: the language packages whose files it installed. */
  owns?: PackageLink[];
}

/** The files one OS package installed. */
export interface OwnedFiles {
  type: 'deb' | 'rpm' | 'apk';
  name: string;
  arch?: string;
  paths: string[];
}

/** A reference from one package of an inventory to another. */
export interface PackageLink {
  type: PackageType;
  name: string;
  version: string;
  /** Absent when the linked package has none. */
  purl?: string;
}

/** A package as an analyzer reports it: everything but the purl and layer, which come later. */
export type FoundPackage = Omit<
  Package,
  'purl' | 'layerDigest' | 'path' | 'locations' | 'dev' | 'optional' | 'ownedBy' | 'owns'
> & { path?: string };

/** What an analyzer learned from one file. */
export interface AnalysisResult {
  packages?: FoundPackage[];
  /** Facts about the OS, from os-release and friends; `priority` decides among several files. */
  os?: OsInfo & { priority: number };
  /** One-line warnings naming the file and reason (malformed entries skipped, etc.). */
  warnings?: string[];
  /**
   * Licences learned for packages declared elsewhere (Debian keeps them in
   * `/usr/share/doc/<pkg>/copyright`, apart from the dpkg status): the orchestrator adds them to
   * every package of that `type` and `name`.
   */
  licenses?: { type: 'deb'; name: string; licenses: string[] }[];
  /**
   * A Maven coordinate Debian's `/usr/share/maven-repo` declares for the JAR that
   * `<artifactId>-<version>.jar` beside this pom links to; applied once the walk is done.
   */
  mavenRepoPom?: { groupId: string; artifactId: string; version: string };
  /**
   * Files OS packages installed (a dpkg `.list`, an rpm header's file list): language packages
   * declared by one of these files are linked to that OS package. Paths are absolute.
   */
  ownedFiles?: OwnedFiles[];
}

/** Facts about a file that an analyzer decides on before any content is read. */
export interface FileInfo {
  /** Path relative to the image root, no leading slash. */
  path: string;
  size: number;
  mode: number;
}

/** Services the walker offers analyzers. */
export interface AnalyzerContext {
  limits: import('../util/limits.js').Limits;
  /** Records a one-line warning. */
  warn(message: string): void;
  /** A private temp directory (created on first call, removed when the scan ends). */
  tempDir(): Promise<string>;
}

interface AnalyzerBase {
  /** Short stable name (`dpkg`, `npm`, …). */
  readonly name: string;
  /** Bumped whenever the analyzer's output for the same input changes (cache key). */
  readonly version: number;
  /** Whether the analyzer wants this file; decided from the path and header only. */
  wants(file: FileInfo): boolean;
}

/** An analyzer that parses a small file held in memory. */
export interface BufferAnalyzer extends AnalyzerBase {
  readonly input: 'buffer';
  /** Files larger than this are skipped with a warning (default: limits.maxBufferedFileBytes). */
  readonly maxFileBytes?: number;
  analyze(file: FileInfo & { content: Buffer }, ctx: AnalyzerContext): Promise<AnalysisResult>;
}

/**
 * An analyzer that needs random access (SQLite, Berkeley DB, zip, ELF): the walker spools the
 * file to the private temp directory and removes it after `analyze` returns.
 */
export interface SpoolAnalyzer extends AnalyzerBase {
  readonly input: 'spool';
  /** Leading bytes the file must start with; other files are never spooled. */
  readonly magic?: readonly Buffer[];
  /**
   * Byte strings of which the file must contain at least one, anywhere, for the analyzer to find
   * anything. The walker looks for them while spooling and skips the analysis when none occurs.
   */
  readonly requires?: readonly Buffer[];
  analyze(file: FileInfo & { spoolPath: string }, ctx: AnalyzerContext): Promise<AnalysisResult>;
}

/** A file analyzer run by the layer walker. */
export type Analyzer = BufferAnalyzer | SpoolAnalyzer;

/** One layer of the inventoried image. */
export interface InventoryLayer {
  digest: string;
  diffId?: string;
  size: number;
  mediaType: string;
  /** The Dockerfile-ish command that made it, from the config history, when recorded. */
  createdBy?: string;
}

/** Everything `moat sbom` learned about one image: the input of every report format. */
export interface Inventory {
  /** The target as the user named it. */
  target: string;
  artifact: {
    kind: 'container_image' | 'filesystem';
    /** Image name without tag/digest when known (`debian`, `registry.example.com/team/app`). */
    name: string;
    transport: import('../image/types.js').Transport;
    manifestDigest?: string;
    configDigest?: string;
    repoTags: string[];
    platform?: import('../image/types.js').Platform;
    os?: OsInfo;
    layers: InventoryLayer[];
    labels: Record<string, string>;
  };
  /** Sorted by type, name, version, path. */
  packages: Package[];
  /** One line each: what was skipped and why. */
  warnings: string[];
  /** ISO timestamp of when the inventory was taken. */
  createdAt: string;
}

/**
 * The boundary of the text-file language catalogers: decoding untrusted JSON, YAML and TOML
 * into `unknown`, validating entries one at a time with zod, and the per-file package cap.
 *
 * Rules every text cataloger follows: a file that does not parse at all yields one warning
 * naming the file and the reason; a malformed entry is skipped with a warning naming the file
 * and the entry; nothing thrown by bad content escapes `analyze`.
 */
import { createRequire } from 'node:module';

import type * as SmolToml from 'smol-toml';
import type * as Yaml from 'yaml';
import type { z } from 'zod';

import type { AnalysisResult, BufferAnalyzer, FileInfo, FoundPackage } from '../types.js';

/** Explicit limits on one language file. */
export interface LangLimits {
  /** Most packages reported from one file; the rest are skipped with a warning. */
  maxPackagesPerFile: number;
  /** Deepest nesting followed in tree-shaped inputs (npm v1 lockfiles) and TOML tables. */
  maxNestingDepth: number;
  /**
   * Largest lockfile read, in bytes. Above `maxBufferedFileBytes`: npm writes ~290 bytes per
   * entry, so a 200 000-entry package-lock.json is ~58 MB; larger files are skipped with a warning.
   */
  maxLockfileBytes: number;
}

/** The limits the text catalogers use unless told otherwise. */
export const defaultLangLimits: Readonly<LangLimits> = Object.freeze({
  // Above any real lockfile: issue 9 A6 wants a 200 000-entry lockfile reported in full.
  maxPackagesPerFile: 250_000,
  maxNestingDepth: 128,
  maxLockfileBytes: 64 * 1024 * 1024,
});

/** The outcome of decoding a whole file: its value, or the one-line reason it is unreadable. */
export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

// The YAML and TOML parsers are loaded on first use: most images hold no file that needs them.
const require = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;
let toml: typeof SmolToml | undefined;

/** Decodes UTF-8 text, dropping a byte-order mark. */
export function decodeText(content: Buffer): string {
  const text = content.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Parses JSON text; never throws. */
export function decodeJson(text: string): Decoded {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: `not JSON (${reasonOf(error)})` };
  }
}

/**
 * Parses YAML with aliases capped; never throws. Lockfiles are read with the failsafe schema
 * (every scalar a string) so that `version: 1.10` stays `1.10`, not 1.1. A stream of several
 * documents decodes to an array of them when `allDocuments` is set.
 */
export function decodeYaml(text: string, allDocuments = false): Decoded {
  try {
    yaml ??= require('yaml') as typeof Yaml;
    const docs = yaml.parseAllDocuments(text, {
      uniqueKeys: false,
      prettyErrors: false,
      schema: 'failsafe',
      // Else yaml prints its own warnings (collection keys) to stderr, unasked.
      logLevel: 'error',
    });
    if (!Array.isArray(docs)) return { ok: true, value: allDocuments ? [] : null };
    const values: unknown[] = [];
    for (const doc of docs) {
      const first = doc.errors[0];
      if (first) return { ok: false, reason: `not YAML (${oneLine(first.message)})` };
      values.push(doc.toJS({ maxAliasCount: 100 }));
    }
    if (allDocuments) return { ok: true, value: values };
    if (values.length > 1) return { ok: false, reason: 'not YAML (several documents)' };
    return { ok: true, value: values[0] ?? null };
  } catch (error) {
    return { ok: false, reason: `not YAML (${reasonOf(error)})` };
  }
}

/** Parses TOML text with a nesting cap; never throws. */
export function decodeToml(text: string, limits: LangLimits): Decoded {
  try {
    toml ??= require('smol-toml') as typeof SmolToml;
    return { ok: true, value: toml.parse(text, { maxDepth: limits.maxNestingDepth }) };
  } catch (error) {
    return { ok: false, reason: `not TOML (${reasonOf(error)})` };
  }
}

/** The first line of an error's message, for a one-line warning. */
export function reasonOf(error: unknown): string {
  return oneLine(error instanceof Error ? error.message : String(error));
}

function oneLine(message: string): string {
  const line = message.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** One line describing the first zod issue, e.g. `version: expected string`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const where = issue.path.map(String).join('.');
  return where ? `${where}: ${oneLine(issue.message)}` : oneLine(issue.message);
}

/**
 * Collects the packages and warnings of one file, enforcing `maxPackagesPerFile`: once the cap
 * is reached further packages are dropped and a single warning says so.
 */
export class FileFindings {
  private readonly packages: FoundPackage[] = [];
  private readonly warnings: string[] = [];
  private overflowed = false;

  constructor(
    /** The file's path, named in every warning. */
    readonly path: string,
    /** The limits in force for this file. */
    readonly limits: LangLimits,
  ) {}

  /** Adds a package; returns false once the cap is reached (callers may stop early). */
  add(pkg: FoundPackage): boolean {
    if (this.packages.length >= this.limits.maxPackagesPerFile) {
      if (!this.overflowed) {
        this.overflowed = true;
        this.warn(`more than ${this.limits.maxPackagesPerFile} packages; the rest skipped`);
      }
      return false;
    }
    this.packages.push(pkg);
    return true;
  }

  /** Records a warning about this file (the path is prefixed). */
  warn(reason: string): void {
    this.warnings.push(`${this.path}: ${reason}`);
  }

  /** Records that an entry was skipped and why. */
  skip(entry: string, reason: string): void {
    this.warn(`entry ${JSON.stringify(entry)} skipped: ${reason}`);
  }

  /** Validates one entry; on failure records a skip warning and returns undefined. */
  parseEntry<S extends z.ZodType>(
    schema: S,
    entry: string,
    value: unknown,
  ): z.output<S> | undefined {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.skip(entry, describeIssue(parsed.error));
    return undefined;
  }

  /** The analysis result: packages and warnings, each present only when non-empty. */
  result(): AnalysisResult {
    const result: AnalysisResult = {};
    if (this.packages.length > 0) result.packages = this.packages;
    if (this.warnings.length > 0) result.warnings = this.warnings;
    return result;
  }
}

/** Creates the findings of one file, merging partial limits over the defaults. */
export function findingsFor(path: string, limits: Partial<LangLimits> = {}): FileFindings {
  return new FileFindings(path, { ...defaultLangLimits, ...limits });
}

/** The last path segment. */
export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? path : path.slice(slash + 1);
}

/**
 * Where installed packages of any ecosystem keep their own files: `node_modules/`, Python's
 * `site-packages/`/`dist-packages/`, a gem's directory (`gems/<name>-<version>/`,
 * `bundler/gems/<name>-<rev>/`), Composer's `vendor/<vendor>/<package>/`, Cargo's registry
 * sources and Go's module cache.
 */
const INSTALLED_PACKAGE_DIR =
  /(?:^|\/)(?:node_modules|site-packages|dist-packages|gems\/[^/]+-\d[^/]*|bundler\/gems\/[^/]+|vendor\/[^/]+\/[^/]+|\.cargo\/registry\/src|pkg\/mod)\//;

/**
 * Whether `path` lies inside an installed package of any ecosystem. A lockfile there is that
 * package author's (Ruby's typeprof gem ships a VS Code extension's package-lock.json), not a
 * record of what the image installed, so no lockfile cataloger reads it (Trivy's rule too).
 */
export function isInsideInstalledPackage(path: string): boolean {
  return INSTALLED_PACKAGE_DIR.test(path);
}

/** What a text cataloger supplies; {@link defineTextAnalyzer} turns it into a BufferAnalyzer. */
export interface TextCataloger {
  name: string;
  version: number;
  wants(path: string): boolean;
  /** A lockfile: read up to `maxLockfileBytes` instead of the general in-memory file limit. */
  lockfile?: true;
  /** Reads one file's content into its findings; may throw only on defects, never on content. */
  read(content: Buffer, findings: FileFindings): void;
}

/**
 * Builds a buffer analyzer from a text cataloger. Any error escaping `read` becomes one warning
 * naming the file, so `analyze` never rejects because of what a file contains.
 */
export function defineTextAnalyzer(
  cataloger: TextCataloger,
  limits: Partial<LangLimits> = {},
): BufferAnalyzer {
  return {
    name: cataloger.name,
    version: cataloger.version,
    input: 'buffer',
    ...(cataloger.lockfile
      ? { maxFileBytes: limits.maxLockfileBytes ?? defaultLangLimits.maxLockfileBytes }
      : {}),
    wants: (file: FileInfo) => cataloger.wants(file.path),
    analyze(file) {
      const findings = findingsFor(file.path, limits);
      try {
        cataloger.read(file.content, findings);
      } catch (error) {
        findings.warn(`unreadable (${reasonOf(error)})`);
      }
      return Promise.resolve(findings.result());
    },
  };
}

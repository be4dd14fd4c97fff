/**
 * Ruby: installed gems from the specifications rubygems writes (`specifications/*.gemspec`, and
 * `specifications/default/*.gemspec` for the default gems that ship inside Ruby itself, such as
 * json or openssl, which `gem list` reports as `json (default: 2.6.1)`) and locked gems from
 * `Gemfile.lock`.
 *
 * A gemspec is Ruby code. It is never evaluated: only assignments of plain string literals
 * (`s.name = "rack".freeze`, `s.version = Gem::Version.new("3.0.8")`, `s.licenses = ["MIT"]`)
 * are read, one line each; anything computed is ignored.
 *
 * In `Gemfile.lock` the GEM and GIT sections list gems as 4-space-indented `name (version)`
 * lines under `specs:`; a platform suffix (`1.15.4-x86_64-linux`) goes to metadata. PATH
 * sections are the project's own directories and are skipped.
 */
import type { FoundPackage } from '../../types.js';
import {
  baseName,
  decodeText,
  type FileFindings,
  type TextCataloger,
  isInsideInstalledPackage,
} from '../text-input.js';

// A Ruby string literal without interpolation: "…", '…', %q{…} or %q<…>, optionally frozen.
const LITERAL = String.raw`(?:"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'|%q\{([^{}\n]*)\}|%q<([^<>\n]*)>)(?:\.freeze)?`;
const LITERAL_GLOBAL = new RegExp(LITERAL, 'g');

function literalValue(
  match: RegExpExecArray | RegExpMatchArray,
  first: number,
): string | undefined {
  const [double, single, braces, angles] = [
    match[first],
    match[first + 1],
    match[first + 2],
    match[first + 3],
  ];
  if (double !== undefined)
    return double.includes('#{') ? undefined : double.replace(/\\(.)/g, '$1');
  if (single !== undefined) return single.replace(/\\([\\'])/g, '$1');
  return braces ?? angles;
}

function assignment(field: string, value: string): RegExp {
  return new RegExp(String.raw`^\s*\w+\.${field}\s*=\s*${value}\s*(?:#.*)?$`);
}

const NAME = assignment('name', LITERAL);
const VERSION = assignment(
  'version',
  String.raw`(?:Gem::Version\.new\(\s*${LITERAL}\s*\)|${LITERAL})`,
);
const PLATFORM = assignment('platform', LITERAL);
// Separators are `\s*(?:,\s*)?` rather than `\s*,?\s*`: unambiguous, so no backtracking blow-up.
const LICENSES = assignment(
  'licenses?',
  String.raw`(\[\s*(?:${LITERAL}\s*(?:,\s*)?)*\]|${LITERAL})`,
);

/** The literal fields of a gemspec; computed values are undefined. */
export function readGemspecLiterals(text: string): {
  name?: string;
  version?: string;
  licenses: string[];
  platform?: string;
} {
  const fields: { name?: string; version?: string; licenses: string[]; platform?: string } = {
    licenses: [],
  };
  for (const line of text.split(/\r?\n/)) {
    const name = NAME.exec(line);
    if (name) fields.name ??= literalValue(name, 1);
    const version = VERSION.exec(line);
    if (version) fields.version ??= literalValue(version, 1) ?? literalValue(version, 5);
    const platform = PLATFORM.exec(line);
    if (platform) fields.platform ??= literalValue(platform, 1);
    const licenses = LICENSES.exec(line);
    if (licenses?.[1] !== undefined && fields.licenses.length === 0) {
      for (const literal of licenses[1].matchAll(LITERAL_GLOBAL)) {
        const value = literalValue(literal, 1);
        if (value) fields.licenses.push(value);
      }
    }
  }
  return fields;
}

/** `specifications/x.gemspec` or `specifications/default/x.gemspec` (a gem bundled with Ruby). */
const GEMSPEC_PATH = /(?:^|\/)specifications\/(default\/)?[^/]+\.gemspec$/;

function readGemspec(content: Buffer, findings: FileFindings): void {
  const spec = readGemspecLiterals(decodeText(content));
  if (!spec.name || !spec.version) {
    findings.warn('no literal name and version (gemspec code is never evaluated)');
    return;
  }
  const pkg: FoundPackage = {
    type: 'gem',
    name: spec.name,
    version: spec.version,
    licenses: spec.licenses,
  };
  const metadata: NonNullable<FoundPackage['metadata']> = {};
  if (spec.platform && spec.platform !== 'ruby') metadata.platform = spec.platform;
  if (GEMSPEC_PATH.exec(findings.path)?.[1]) metadata.defaultGem = true;
  if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
  findings.add(pkg);
}

const SPEC_LINE = /^ {4}([^\s(]+) \(([^)\s]+)\)$/;

function readGemfileLock(content: Buffer, findings: FileFindings): void {
  const byId = new Map<string, FoundPackage>();
  let section = '';
  let inSpecs = false;
  let sawGemSection = false;
  for (const line of decodeText(content).split(/\r?\n/)) {
    if (/^\S/.test(line)) {
      section = line.trim();
      sawGemSection ||= section === 'GEM';
      inSpecs = false;
      continue;
    }
    if (line === '  specs:') {
      inSpecs = section === 'GEM' || section === 'GIT';
      continue;
    }
    const spec = inSpecs ? SPEC_LINE.exec(line) : null;
    if (!spec?.[1] || !spec[2]) continue;
    const dash = spec[2].indexOf('-');
    const version = dash === -1 ? spec[2] : spec[2].slice(0, dash);
    const platform = dash === -1 ? undefined : spec[2].slice(dash + 1);
    const id = `${spec[1]}@${version}`;
    const seen = byId.get(id);
    if (seen) {
      // The same gem locked for several platforms is one package with several platforms.
      if (platform && seen.metadata)
        seen.metadata.platform = `${String(seen.metadata.platform ?? '')},${platform}`.replace(
          /^,/,
          '',
        );
      continue;
    }
    const metadata: NonNullable<FoundPackage['metadata']> = { lockfile: 'Gemfile.lock' };
    if (section === 'GIT') metadata.source = 'git';
    if (platform) metadata.platform = platform;
    const pkg: FoundPackage = { type: 'gem', name: spec[1], version, licenses: [], metadata };
    if (!findings.add(pkg)) return;
    byId.set(id, pkg);
  }
  if (!sawGemSection) findings.warn('not a Gemfile.lock (no GEM section)');
}

/** The cataloger of installed gem specifications (`specifications/*.gemspec`). */
export const gemspecCataloger: TextCataloger = {
  name: 'gemspec',
  version: 2,
  wants: (path) => GEMSPEC_PATH.test(path),
  read: readGemspec,
};

/** The cataloger of `Gemfile.lock`. */
export const gemfileLockCataloger: TextCataloger = {
  name: 'gemfile-lock',
  lockfile: true,
  version: 3,
  wants: (path) => baseName(path) === 'Gemfile.lock' && !isInsideInstalledPackage(path),
  read: readGemfileLock,
};

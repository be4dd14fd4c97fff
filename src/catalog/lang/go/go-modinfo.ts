/**
 * Parses Go module information (the text `go version -m` prints: `path`, `mod`, `dep`, `=>` and
 * `build` lines, tab-separated) and turns it into packages: the standard library, the main
 * module and every dependency, with replacements applied. Pure: no I/O.
 */
import type { FoundPackage } from '../../types.js';

/** One module line (`mod` or `dep`), with the replacement that followed it, if any. */
export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: { path: string; version: string; sum?: string };
}

/** Parsed module information. */
export interface GoModInfo {
  /** The main package's import path (`path` line). */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  /** `build` settings in order (`-ldflags`, `GOOS`, `vcs.revision`, …). */
  settings: [string, string][];
  /** Lines that could not be understood, one description each. */
  problems: string[];
}

/** Most lines read; generous for the largest real binaries (a few thousand dependencies). */
const MAX_LINES = 100_000;
/** Most build settings kept. */
const MAX_SETTINGS = 128;
/** Longest build-setting value kept. */
const MAX_SETTING_CHARS = 4096;

/** Parses module information text, collecting what it cannot understand in `problems`. */
export function parseGoModInfo(text: string): GoModInfo {
  const info: GoModInfo = { deps: [], settings: [], problems: [] };
  let last: GoModule | undefined;
  const lines = text.split('\n');
  if (lines.length > MAX_LINES)
    info.problems.push(`${lines.length} lines; only the first ${MAX_LINES} read`);
  lines.slice(0, MAX_LINES).forEach((line, index) => {
    if (line === '') return;
    const [kind = '', ...fields] = line.split('\t');
    const bad = () => info.problems.push(`line ${index + 1}: malformed ${kind} line`);
    switch (kind) {
      case 'path':
        info.path = fields[0];
        return;
      case 'mod':
      case 'dep': {
        const module = parseModule(fields);
        if (!module) return bad();
        if (kind === 'mod') info.main = module;
        else info.deps.push(module);
        last = module;
        return;
      }
      case '=>': {
        const target = parseModule(fields, true);
        if (!target || !last || last.replace) return bad();
        last.replace = target;
        return;
      }
      case 'build': {
        const setting = parseSetting(fields.join('\t'));
        if (!setting) return bad();
        if (info.settings.length < MAX_SETTINGS) info.settings.push(setting);
        return;
      }
      default:
        bad();
    }
  });
  return info;
}

function parseModule(fields: string[], replacement = false): GoModule | undefined {
  if (fields.length !== 2 && fields.length !== 3) return undefined;
  const [path = '', version = '', sum = ''] = fields;
  // A directory replacement (`=> ../lib`) has no version; a module line always has one.
  if (path === '' || (version === '' && !replacement)) return undefined;
  return sum === '' ? { path, version } : { path, version, sum };
}

/** `KEY=VALUE`, either side possibly Go-quoted (`-ldflags="-s -w"`). */
function parseSetting(text: string): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (text.startsWith('"')) {
    const end = quotedEnd(text);
    if (end < 0 || text[end + 1] !== '=') return undefined;
    key = unquoteGo(text.slice(0, end + 1)) ?? '';
    rest = text.slice(end + 2);
  } else {
    const eq = text.indexOf('=');
    if (eq <= 0) return undefined;
    key = text.slice(0, eq);
    rest = text.slice(eq + 1);
  }
  const value = rest.startsWith('"') ? (unquoteGo(rest) ?? rest) : rest;
  if (key === '') return undefined;
  return [key, value.slice(0, MAX_SETTING_CHARS)];
}

function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Undoes Go's `strconv.Quote` for the escapes it emits; undefined if `text` is not one quoted string. */
export function unquoteGo(text: string): string | undefined {
  if (text.length < 2 || !text.startsWith('"') || quotedEnd(text) !== text.length - 1)
    return undefined;
  const simple: Record<string, string> = {
    n: '\n',
    t: '\t',
    r: '\r',
    '"': '"',
    '\\': '\\',
    a: '\x07',
    b: '\b',
    f: '\f',
    v: '\v',
  };
  let out = '';
  for (let i = 1; i < text.length - 1; i++) {
    const c = text[i] ?? '';
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[++i] ?? '';
    const hexLength = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (simple[e] !== undefined) out += simple[e];
    else if (hexLength > 0) {
      const hex = text.slice(i + 1, i + 1 + hexLength);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) return undefined;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) return undefined;
      out += String.fromCodePoint(code);
      i += hexLength;
    } else return undefined;
  }
  return out;
}

/** `go1.19.8` → `1.19.8`; undefined for toolchains without a release version (`devel …`). */
export function stdlibVersion(goVersion: string): string | undefined {
  const match = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)(?:\s|$)/.exec(goVersion);
  return match?.[1];
}

/** A directory replacement (`=> ../lib`, `=> /src/lib`) names no module. */
function isDirectory(path: string): boolean {
  return (
    path.startsWith('./') ||
    path.startsWith('../') ||
    path.startsWith('/') ||
    path === '.' ||
    path === '..'
  );
}

/** The packages a Go binary declares: stdlib, the main module (`main: true`) and its dependencies. */
export function goPackages(goVersion: string, info: GoModInfo): FoundPackage[] {
  const packages: FoundPackage[] = [];
  const stdlib = stdlibVersion(goVersion);
  if (stdlib) {
    packages.push({
      type: 'golang',
      name: 'stdlib',
      version: stdlib,
      licenses: [],
      metadata: { goVersion },
    });
  }
  if (info.main) {
    const metadata: Record<string, string | boolean> = { main: true, goVersion };
    if (info.path) metadata.mainPackage = info.path;
    for (const [key, value] of info.settings) metadata[`build.${key}`] = value;
    packages.push(modulePackage(info.main, metadata));
  }
  for (const dep of info.deps) packages.push(modulePackage(dep, {}));
  return packages;
}

function modulePackage(module: GoModule, metadata: Record<string, string | boolean>): FoundPackage {
  let { path, version, sum } = module;
  const replace = module.replace;
  if (replace) {
    metadata.replaced = `${module.path} ${module.version}`;
    if (isDirectory(replace.path)) {
      // The module is built from a local directory: keep its own path, the version is unknown.
      metadata.replacedBy = replace.path;
      version = replace.version || '(devel)';
    } else {
      ({ path, version } = replace);
    }
    sum = replace.sum;
  }
  if (sum) metadata.sum = sum;
  return { type: 'golang', name: path, version, licenses: [], metadata };
}

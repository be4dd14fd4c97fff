/**
 * Package URL matching for ignore entries and VEX products: a pattern purl matches a package's
 * purl when type, namespace and name agree and every part the pattern states — version, each
 * qualifier, subpath — agrees too. So `pkg:npm/lodash` matches every lodash, and the exact purl
 * matches only itself.
 */
import { PackageURL } from 'packageurl-js';

/** A parsed pattern purl, ready to test many purls against. */
export interface PurlPattern {
  text: string;
  parsed: PackageURL;
}

/** Parses `text` as a purl pattern; undefined when it is not a valid purl. */
export function parsePurlPattern(text: string): PurlPattern | undefined {
  const parsed = tryParse(text);
  return parsed === undefined ? undefined : { text, parsed };
}

/** True when `purl` is matched by `pattern` (see the module comment). */
export function purlMatches(pattern: PurlPattern, purl: string): boolean {
  if (pattern.text === purl) return true;
  const candidate = tryParse(purl);
  if (candidate === undefined) return false;
  const want = pattern.parsed;
  if (want.type !== candidate.type) return false;
  if ((want.namespace ?? '') !== (candidate.namespace ?? '')) return false;
  if (want.name !== candidate.name) return false;
  if (want.version !== undefined && want.version !== candidate.version) return false;
  if (want.subpath !== undefined && want.subpath !== candidate.subpath) return false;
  for (const [key, value] of Object.entries(want.qualifiers ?? {})) {
    if (candidate.qualifiers?.[key] !== value) return false;
  }
  return true;
}

function tryParse(text: string): PackageURL | undefined {
  try {
    return PackageURL.fromString(text);
  } catch {
    return undefined;
  }
}

/**
 * Alpine (apk) package versions, ordered like apk-tools 2.14 / 3.x `apk_version_compare`:
 * `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`. Suffixes `_alpha _beta _pre _rc` sort
 * before the bare version and `_cvs _svn _git _hg _p` after it; numbers with a leading zero
 * compare as strings (the Gentoo rule); when one version runs out of tokens first, it is the
 * older one unless the other goes on with a pre-release suffix.
 */
import { compareDigits, compareStrings, sign, type Ordering } from './ordering.js';
import { VersionError } from './version-error.js';

/** Token kinds in apk-tools' order; a token kind may only be followed by a later one. */
const Kind = {
  InitialDigit: 0,
  Digit: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNumber: 4,
  CommitHash: 5,
  RevisionNumber: 6,
  End: 7,
} as const;

/** A token kind: one of the values of apk-tools' token enumeration. */
export type ApkTokenKind = (typeof Kind)[keyof typeof Kind];

/** One token: its kind and its text (for a suffix, its rank among the known suffixes). */
export interface ApkToken {
  kind: ApkTokenKind;
  text: string;
  suffixRank?: number;
}

// Ranks as in apk-tools: pre-release suffixes below NONE_RANK, post-release ones above.
const SUFFIX_RANKS: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NONE_RANK = 5;

/** Splits an apk version into tokens; throws {@link VersionError} when apk-tools would reject it. */
export function tokenizeApkVersion(version: string): ApkToken[] {
  const fail = (reason: string): never => {
    throw new VersionError('apk', version, reason);
  };
  const first = /^[0-9]+/.exec(version);
  if (!first) return fail('does not start with a digit');
  const tokens: ApkToken[] = [{ kind: Kind.InitialDigit, text: first[0] }];
  let at = first[0].length;
  let kind: ApkTokenKind = Kind.InitialDigit;
  const take = (pattern: RegExp): string => {
    pattern.lastIndex = at;
    const match = pattern.exec(version);
    at += match ? match[0].length : 0;
    return match ? match[0] : '';
  };
  while (at < version.length) {
    const c = version[at]!;
    const where = `at offset ${at}`;
    let text: string;
    let suffixRank: number | undefined;
    if (c >= 'a' && c <= 'z') {
      if (kind > Kind.Digit) fail(`letter ${where} not allowed here`);
      kind = Kind.Letter;
      text = c;
      at++;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.' && kind > Kind.Digit) fail(`dot ${where} not allowed here`);
      if (kind === Kind.Suffix) kind = Kind.SuffixNumber;
      else if (kind <= Kind.Digit && c === '.') kind = Kind.Digit;
      else fail(`number ${where} not allowed here`);
      if (c === '.') at++;
      text = take(/[0-9]*/y);
      if (text === '') fail(`missing number ${where}`);
    } else if (c === '_') {
      if (kind > Kind.SuffixNumber) fail(`suffix ${where} not allowed here`);
      at++;
      text = take(/[a-z]*/y);
      // Own keys only: `_constructor` is an unknown suffix, not Object's.
      suffixRank = Object.hasOwn(SUFFIX_RANKS, text) ? SUFFIX_RANKS[text] : undefined;
      if (suffixRank === undefined) fail(`unknown suffix "_${text}"`);
      kind = Kind.Suffix;
    } else if (c === '~') {
      if (kind >= Kind.CommitHash) fail(`commit hash ${where} not allowed here`);
      at++;
      text = take(/[0-9a-f]*/y);
      if (text === '') fail(`empty commit hash ${where}`);
      kind = Kind.CommitHash;
    } else if (c === '-' && version[at + 1] === 'r') {
      if (kind >= Kind.RevisionNumber) fail(`revision ${where} not allowed here`);
      at += 2;
      text = take(/[0-9]*/y);
      if (text === '') fail(`missing revision number ${where}`);
      kind = Kind.RevisionNumber;
    } else {
      return fail(`unexpected character ${JSON.stringify(c)} ${where}`);
    }
    tokens.push(suffixRank === undefined ? { kind, text } : { kind, text, suffixRank });
  }
  tokens.push({ kind: Kind.End, text: '' });
  return tokens;
}

/** Compares two tokens of the same kind. */
function compareTokens(a: ApkToken, b: ApkToken): Ordering {
  switch (a.kind) {
    case Kind.Digit:
      // A leading zero makes both compare as strings (1.01 < 1.1, 1.001 < 1.01).
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareStrings(a.text, b.text);
      return compareDigits(a.text, b.text);
    case Kind.InitialDigit:
    case Kind.SuffixNumber:
    case Kind.RevisionNumber:
      return compareDigits(a.text, b.text);
    case Kind.Suffix:
      return sign((a.suffixRank ?? 0) - (b.suffixRank ?? 0));
    default:
      return compareStrings(a.text, b.text);
  }
}

/** Compares two tokenized apk versions as apk-tools does. */
export function compareApkTokens(a: readonly ApkToken[], b: readonly ApkToken[]): Ordering {
  for (let i = 0; ; i++) {
    const ta = a[i]!;
    const tb = b[i]!;
    if (ta.kind !== tb.kind) {
      // Equal so far: a pre-release suffix is older than anything, otherwise the version
      // that goes on with an earlier kind of token (more components) is newer.
      if (ta.kind === Kind.Suffix && (ta.suffixRank ?? 0) < NONE_RANK) return -1;
      if (tb.kind === Kind.Suffix && (tb.suffixRank ?? 0) < NONE_RANK) return 1;
      return ta.kind > tb.kind ? -1 : 1;
    }
    if (ta.kind === Kind.End) return 0;
    const result = compareTokens(ta, tb);
    if (result !== 0) return result;
  }
}

/** Orders two Alpine package versions as `apk version -t` does. */
export function compareApkVersions(a: string, b: string): Ordering {
  return compareApkTokens(tokenizeApkVersion(a), tokenizeApkVersion(b));
}

/**
 * Debian package licences: dpkg's status has none, they live in
 * `usr/share/doc/<package>/copyright`. Machine-readable files (DEP-5) name them in `License:`
 * fields; older free-form files usually point at `/usr/share/common-licenses/<NAME>`. The
 * result goes into `AnalysisResult.licenses`, which the orchestrator joins to the package.
 */
import type { BufferAnalyzer } from '../types.js';

const copyrightPath = /^usr\/share\/doc\/([^/]+)\/copyright$/;

/**
 * Extracts licence short names from a Debian copyright file, in order of first appearance:
 * the first line of every DEP-5 `License:` field (as written, e.g. `GPL-2+`), then every
 * `/usr/share/common-licenses/NAME` reference.
 * @example parseDebianCopyright('License: MIT\n Permission is hereby granted…\n') // ['MIT']
 */
export function parseDebianCopyright(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/^License:[ \t]*(\S[^\r\n]*)$/gim)) {
    found.add((match[1] ?? '').trim());
  }
  for (const match of text.matchAll(/\/usr\/share\/common-licenses\/([A-Za-z0-9][\w.+-]*)/g)) {
    found.add((match[1] ?? '').replace(/[.,;]+$/, ''));
  }
  return [...found];
}

/** Reads licences of Debian packages from `usr/share/doc/<package>/copyright`. */
export const dpkgCopyrightAnalyzer: BufferAnalyzer = {
  name: 'dpkg-copyright',
  version: 1,
  input: 'buffer',
  maxFileBytes: 4 * 1024 * 1024,
  wants: (file) => copyrightPath.test(file.path),
  analyze(file) {
    const name = copyrightPath.exec(file.path)?.[1] ?? '';
    const licenses = parseDebianCopyright(file.content.toString('utf8'));
    return Promise.resolve(licenses.length ? { licenses: [{ type: 'deb', name, licenses }] } : {});
  },
};

/**
 * Which files each Alpine package installed, from `lib/apk/db/installed`: in a package's block,
 * `F:<dir>` names a directory (relative to `/`) and each following `R:<name>` a file in it. The
 * apk cataloger reads the same file for the packages; this one only for ownership, so language
 * packages an apk installed (Alpine's `py3-urllib3`) are linked to it by `linkOsOwnedPackages`
 * (dpkg-files.ts).
 */
import type { BufferAnalyzer, OwnedFiles } from '../types.js';

/** The files each package block of an apk `installed` database lists, as absolute paths. */
export function parseApkFileLists(text: string): OwnedFiles[] {
  const lists: OwnedFiles[] = [];
  let current: OwnedFiles | undefined;
  let dir = '';
  const flush = () => {
    if (current && current.name !== '' && current.paths.length > 0) lists.push(current);
    current = undefined;
    dir = '';
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    current ??= { type: 'apk', name: '', paths: [] };
    const key = line.slice(0, 2);
    const value = line.slice(2);
    if (key === 'P:') current.name = value;
    else if (key === 'A:') current.arch = value;
    else if (key === 'F:') dir = value;
    else if (key === 'R:' && value !== '')
      current.paths.push(dir === '' ? `/${value}` : `/${dir}/${value}`);
  }
  flush();
  return lists;
}

/** Reads the file lists of Alpine's package database. */
export const apkFileListAnalyzer: BufferAnalyzer = {
  name: 'apk-files',
  version: 1,
  input: 'buffer',
  wants: (file) => file.path === 'lib/apk/db/installed',
  analyze(file) {
    const ownedFiles = parseApkFileLists(file.content.toString('utf8'));
    return Promise.resolve(ownedFiles.length > 0 ? { ownedFiles } : {});
  },
};

/**
 * OS detection and the OS package catalogers (dpkg, apk, rpm): the analyzers the layer walker
 * runs, and the pure parsers behind them for reuse and tests.
 */
import type { Analyzer } from '../types.js';
import { apkAnalyzer } from './apk.js';
import { apkFileListAnalyzer } from './apk-files.js';
import { dpkgCopyrightAnalyzer } from './dpkg-copyright.js';
import { dpkgFileListAnalyzer } from './dpkg-files.js';
import { dpkgAnalyzer } from './dpkg.js';
import { osReleaseAnalyzer } from './release.js';
import { rpmAnalyzer } from './rpm/analyzer.js';

export { apkAnalyzer, parseApkInstalled, splitApkLicense } from './apk.js';
export { apkFileListAnalyzer, parseApkFileLists } from './apk-files.js';
export { dpkgCopyrightAnalyzer, parseDebianCopyright } from './dpkg-copyright.js';
export { dpkgFileListAnalyzer, linkOsOwnedPackages, parseDpkgFileList } from './dpkg-files.js';
export {
  dpkgAnalyzer,
  parseControlStanzas,
  parseDpkgStatus,
  type ControlStanza,
  type DpkgStatusOptions,
} from './dpkg.js';
export type { ParsedPackages } from './parsed.js';
export {
  osReleaseAnalyzer,
  osReleasePriorities,
  parseAlpineRelease,
  parseDebianVersion,
  parseLsbRelease,
  parseOsRelease,
  parseOsReleaseFields,
  parseRedHatRelease,
} from './release.js';
export { rpmAnalyzer, rpmDatabasePaths } from './rpm/analyzer.js';
export {
  detectRpmDbFormat,
  readRpmDatabase,
  rpmPackageFromHeader,
  type RpmDbFormat,
} from './rpm/database.js';
export {
  parseRpmHeader,
  parseRpmHeaderTags,
  parseSourceRpm,
  rpmTags,
  type RpmHeaderPackage,
} from './rpm/header.js';

/** Every analyzer of this folder, for the layer walker. */
export const osAnalyzers: Analyzer[] = [
  osReleaseAnalyzer,
  dpkgAnalyzer,
  dpkgCopyrightAnalyzer,
  dpkgFileListAnalyzer,
  apkAnalyzer,
  apkFileListAnalyzer,
  rpmAnalyzer,
];

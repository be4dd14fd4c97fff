/**
 * Which files each Debian package installed: `var/lib/dpkg/info/<name>[:<arch>].list` (one
 * absolute path per line, directories included) and, in distroless images that keep no lists,
 * `var/lib/dpkg/status.d/<name>.md5sums` (`<md5>  <path relative to />`). The language packages
 * found at such paths (Debian's `python3-urllib3` ships urllib3's egg-info) are linked to the OS
 * package that installed them: see {@link linkOsOwnedPackages}, which also serves the rpm file
 * lists the rpm cataloger reads from each header.
 */
import { posix } from 'node:path';

import type { AnalysisResult, BufferAnalyzer, OwnedFiles, Package, PackageLink } from '../types.js';

const LIST = /^var\/lib\/dpkg\/info\/([^/:]+)(?::([^/:]+))?\.list$/;
const STATUS_D_MD5SUMS = /^var\/lib\/dpkg\/status\.d\/([^/.][^/]*)\.md5sums$/;

/** The paths (absolute, without a trailing slash) a `.list` or `.md5sums` file names. */
export function parseDpkgFileList(text: string, md5sums: boolean): string[] {
  const paths: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // md5sums: 32 hex digits, two spaces (or space and `*`), then the path.
    const line = md5sums ? raw.replace(/^[0-9a-f]{32} [ *]/, '') : raw;
    if (line === '' || line === '/.' || (md5sums && line === raw)) continue;
    const absolute = line.startsWith('/') ? line : `/${line}`;
    paths.push(absolute.replace(/\/+$/, ''));
  }
  return paths;
}

/** Reads the file lists dpkg keeps per installed package. */
export const dpkgFileListAnalyzer: BufferAnalyzer = {
  name: 'dpkg-files',
  version: 1,
  input: 'buffer',
  wants: (file) => LIST.test(file.path) || STATUS_D_MD5SUMS.test(file.path),
  analyze(file) {
    const list = LIST.exec(file.path);
    const name = list?.[1] ?? STATUS_D_MD5SUMS.exec(file.path)?.[1];
    if (name === undefined) return Promise.resolve({});
    const paths = parseDpkgFileList(file.content.toString('utf8'), list === null);
    const owned: OwnedFiles = { type: 'deb', name, paths };
    if (list?.[2]) owned.arch = list[2];
    return Promise.resolve({ ownedFiles: [owned] });
  },
};

function linkTo(pkg: Package): PackageLink {
  const link: PackageLink = { type: pkg.type, name: pkg.name, version: pkg.version };
  if (pkg.purl !== undefined) link.purl = pkg.purl;
  return link;
}

const OS_TYPES = new Set(['deb', 'apk', 'rpm']);

/**
 * Links every language package whose declaring file an OS package installed to that OS package
 * (`ownedBy` on the language package, `owns` on the OS package), changing `packages` in place.
 * `resolve` follows symbolic links in the flattened image, so `/lib/…` listed by dpkg matches a
 * file walked at `usr/lib/…` on a merged-/usr system.
 */
export function linkOsOwnedPackages(
  packages: Package[],
  files: { result: AnalysisResult[] }[],
  resolve: (path: string) => string | undefined,
): void {
  // Only paths that can name a language package's file are resolved: an OS lists ~100 000
  // files, and following links for each would cost every scan for the few that matter.
  const wanted = new Set<string>();
  for (const pkg of packages) if (!OS_TYPES.has(pkg.type)) wanted.add(posix.basename(pkg.path));
  if (wanted.size === 0) return;
  const owners = new Map<string, OwnedFiles>();
  for (const file of files) {
    for (const result of file.result) {
      for (const owned of result.ownedFiles ?? []) {
        for (const path of owned.paths) {
          if (!wanted.has(posix.basename(path))) continue;
          owners.set(path, owned);
          const real = resolve(path);
          if (real !== undefined) owners.set(`/${real}`, owned);
        }
      }
    }
  }
  if (owners.size === 0) return;
  const osByName = new Map<string, Package[]>();
  for (const pkg of packages) {
    if (!OS_TYPES.has(pkg.type)) continue;
    const key = `${pkg.type}/${pkg.name}`;
    const list = osByName.get(key);
    if (list) list.push(pkg);
    else osByName.set(key, [pkg]);
  }
  for (const pkg of packages) {
    if (OS_TYPES.has(pkg.type)) continue;
    const owner = owners.get(pkg.path);
    if (!owner) continue;
    const candidates = osByName.get(`${owner.type}/${owner.name}`) ?? [];
    const os =
      candidates.find((c) => owner.arch === undefined || c.arch === owner.arch) ?? candidates[0];
    if (!os) continue;
    pkg.ownedBy = linkTo(os);
    (os.owns ??= []).push(linkTo(pkg));
  }
}

/**
 * The human-readable package table (`--format table`): a header line naming the target, OS and
 * package count, then one row per package in plain ASCII. Text from the image is untrusted, so
 * control characters are replaced before they can reach a terminal.
 */
import type { Inventory, Package } from '../catalog/types.js';
import { printable, renderAsciiTable } from './ascii-table.js';
import { qualifiedName, sortedPackages } from './subject.js';

/** `sha256:0123456789ab…` shortened to its first 12 hex digits, as `docker images` shows ids. */
export function shortDigest(digest: string | undefined): string {
  if (digest === undefined) return '';
  const colon = digest.indexOf(':');
  return digest.slice(colon + 1, colon + 13);
}

/** `debian 12 (bookworm)`, or `unknown` when no OS was found. */
export function osLabel(inventory: Inventory): string {
  const os = inventory.artifact.os;
  if (os === undefined) return 'unknown';
  const version = os.version === '' ? '' : ` ${os.version}`;
  const codename = os.codename === undefined ? '' : ` (${os.codename})`;
  return `${os.family}${version}${codename}`;
}

function row(pkg: Package): string[] {
  return [
    qualifiedName(pkg),
    pkg.version,
    pkg.type,
    pkg.ownedBy ? `(${pkg.ownedBy.type} ${pkg.ownedBy.name})` : (pkg.source?.name ?? ''),
    shortDigest(pkg.layerDigest),
    pkg.path,
  ].map(printable);
}

/** Renders the inventory as a plain-ASCII table of packages under a one-line header. */
export function renderTable(inventory: Inventory): string {
  const packages = sortedPackages(inventory);
  const header = printable(
    `Target: ${inventory.target} | OS: ${osLabel(inventory)} | Packages: ${packages.length}`,
  );
  if (packages.length === 0) return `${header}\n\nNo packages found.\n`;
  const columns = ['NAME', 'VERSION', 'TYPE', 'SOURCE', 'LAYER', 'PATH'].map((head) => ({ head }));
  return `${header}\n\n${renderAsciiTable(columns, packages.map(row))}\n`;
}

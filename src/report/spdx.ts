/**
 * SPDX 2.3 JSON, written by hand: the document describes the image package, which contains the
 * OS and every catalogued package. Licence strings that are not SPDX expressions become
 * `LicenseRef-` ids defined in `hasExtractedLicensingInfos`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Inventory, Package } from '../catalog/types.js';
import type { RenderOptions } from './render-options.js';
import {
  isCompoundExpression,
  licenseRefFor,
  normalizeSpdxExpression,
} from './license-expression.js';
import {
  createdAtOf,
  qualifiedName,
  sortedPackages,
  subjectName,
  subjectPurl,
  subjectVersion,
} from './subject.js';

/** One SPDX 2.3 package as Moat writes it. */
export interface SpdxPackage {
  SPDXID: string;
  name: string;
  versionInfo?: string;
  downloadLocation: 'NOASSERTION';
  filesAnalyzed: false;
  licenseConcluded: 'NOASSERTION';
  licenseDeclared: string;
  copyrightText: 'NOASSERTION';
  primaryPackagePurpose?: 'CONTAINER' | 'OPERATING_SYSTEM' | 'LIBRARY';
  description?: string;
  sourceInfo?: string;
  externalRefs?: Array<{
    referenceCategory: 'PACKAGE-MANAGER';
    referenceType: 'purl';
    referenceLocator: string;
  }>;
}

/** An SPDX 2.3 JSON document as Moat writes it. */
export interface SpdxDocument {
  spdxVersion: 'SPDX-2.3';
  dataLicense: 'CC0-1.0';
  SPDXID: 'SPDXRef-DOCUMENT';
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  hasExtractedLicensingInfos?: Array<{ licenseId: string; extractedText: string; name: string }>;
  relationships: Array<{
    spdxElementId: string;
    relationshipType: 'DESCRIBES' | 'CONTAINS';
    relatedSpdxElement: string;
  }>;
}

/** Letters, digits, `.` and `-` only: the characters SPDX allows in an id string. */
function idSafe(text: string): string {
  return text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'unnamed';
}

/** Hands out `LicenseRef-` ids, one per distinct licence text, and remembers their texts. */
class ExtractedLicenses {
  private readonly byText = new Map<string, string>();
  private readonly usedIds = new Set<string>();

  idFor(text: string): string {
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    let id = licenseRefFor(text);
    // Different texts can sanitise alike (`GPL-2+` and `GPL-2`): keep them apart by a hash.
    if (this.usedIds.has(id))
      id = `${id}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
    this.byText.set(text, id);
    this.usedIds.add(id);
    return id;
  }

  infos(): NonNullable<SpdxDocument['hasExtractedLicensingInfos']> {
    return [...this.byText].map(([text, licenseId]) => ({
      licenseId,
      extractedText: text,
      name: text,
    }));
  }
}

/** One SPDX expression for all of a package's licence strings (they all apply: `AND`). */
function licenseDeclared(licenses: readonly string[], extracted: ExtractedLicenses): string {
  const unique = [...new Set(licenses)];
  if (unique.length === 0) return 'NOASSERTION';
  const parts = unique.map((text) => {
    const expression = normalizeSpdxExpression(text);
    if (expression === undefined) return extracted.idFor(text);
    return unique.length > 1 && isCompoundExpression(expression) ? `(${expression})` : expression;
  });
  return parts.join(' AND ');
}

/** Assigns `SPDXRef-Package-<type>-<name>-<hash>` ids, the hash taken over purl and path. */
function withPackageIds(packages: readonly Package[]): Array<[Package, string]> {
  const used = new Set<string>();
  return packages.map((pkg) => {
    const hash = createHash('sha256')
      .update(`${pkg.purl ?? `${pkg.type}:${qualifiedName(pkg)}@${pkg.version}`}\n${pkg.path}`)
      .digest('hex')
      .slice(0, 16);
    const base = `SPDXRef-Package-${pkg.type}-${idSafe(pkg.name)}-${hash}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return [pkg, id];
  });
}

function sourceInfoOf(pkg: Package): string {
  const layer = pkg.layerDigest === undefined ? '' : `layer ${pkg.layerDigest}, `;
  const source =
    pkg.source === undefined ? '' : `; source package ${pkg.source.name} ${pkg.source.version}`;
  return `acquired from ${layer}path ${pkg.path}${source}`;
}

function purlRef(purl: string): NonNullable<SpdxPackage['externalRefs']> {
  return [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }];
}

const unasserted = {
  downloadLocation: 'NOASSERTION',
  filesAnalyzed: false,
  licenseConcluded: 'NOASSERTION',
  licenseDeclared: 'NOASSERTION',
  copyrightText: 'NOASSERTION',
} as const;

/** Builds the SPDX 2.3 document for an inventory (fresh namespace per call). */
export function buildSpdxDocument(inventory: Inventory, options: RenderOptions = {}): SpdxDocument {
  const name = subjectName(inventory);
  const imagePurl = subjectPurl(inventory);
  const image: SpdxPackage = {
    SPDXID: `SPDXRef-Image-${idSafe(name)}`,
    name,
    versionInfo: subjectVersion(inventory),
    ...unasserted,
    primaryPackagePurpose: 'CONTAINER',
    ...(imagePurl === undefined ? {} : { externalRefs: purlRef(imagePurl) }),
  };
  const relationships: SpdxDocument['relationships'] = [
    {
      spdxElementId: 'SPDXRef-DOCUMENT',
      relationshipType: 'DESCRIBES',
      relatedSpdxElement: image.SPDXID,
    },
  ];
  const packages: SpdxPackage[] = [image];
  const contain = (element: SpdxPackage): void => {
    packages.push(element);
    relationships.push({
      spdxElementId: image.SPDXID,
      relationshipType: 'CONTAINS',
      relatedSpdxElement: element.SPDXID,
    });
  };

  const os = inventory.artifact.os;
  if (os !== undefined) {
    contain({
      SPDXID: `SPDXRef-OperatingSystem-${idSafe(`${os.family}-${os.version}`)}`,
      name: os.family,
      ...(os.version === '' ? {} : { versionInfo: os.version }),
      ...unasserted,
      primaryPackagePurpose: 'OPERATING_SYSTEM',
      ...(os.name === undefined ? {} : { description: os.name }),
    });
  }
  const extracted = new ExtractedLicenses();
  for (const [pkg, SPDXID] of withPackageIds(sortedPackages(inventory))) {
    contain({
      SPDXID,
      name: qualifiedName(pkg),
      versionInfo: pkg.version,
      ...unasserted,
      licenseDeclared: licenseDeclared(pkg.licenses, extracted),
      primaryPackagePurpose: 'LIBRARY',
      sourceInfo: sourceInfoOf(pkg),
      ...(pkg.purl === undefined ? {} : { externalRefs: purlRef(pkg.purl) }),
    });
  }

  const infos = extracted.infos();
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name,
    documentNamespace: `https://moat.dev/spdx/${idSafe(name)}-${randomUUID()}`,
    creationInfo: {
      // SPDX wants `YYYY-MM-DDThh:mm:ssZ`: no fractional seconds.
      created: createdAtOf(inventory)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z'),
      creators: [`Tool: moat-${options.toolVersion ?? 'unknown'}`],
    },
    packages,
    ...(infos.length === 0 ? {} : { hasExtractedLicensingInfos: infos }),
    relationships,
  };
}

/** Renders the inventory as an SPDX 2.3 JSON document. */
export function renderSpdx(inventory: Inventory, options: RenderOptions = {}): string {
  return `${JSON.stringify(buildSpdxDocument(inventory, options), null, 2)}\n`;
}

/**
 * CycloneDX 1.6 JSON, built with the CycloneDX library's models and serializer: the image is
 * `metadata.component`, every package a `library` component whose bom-ref is its purl, and the OS
 * an `operating-system` component. Moat's own facts travel as `moat:` properties.
 */
import { randomUUID } from 'node:crypto';
import { Enums, Models, SPDX, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import type { Inventory, Package } from '../catalog/types.js';
import type { RenderOptions } from './render-options.js';
import { isCompoundExpression, normalizeSpdxExpression } from './license-expression.js';
import {
  createdAtOf,
  qualifiedName,
  sortedPackages,
  subjectName,
  subjectPurl,
  subjectVersion,
} from './subject.js';

/** The CycloneDX licence models for one package's licence strings. */
function licensesOf(licenses: readonly string[]): Models.License[] {
  const unique = [...new Set(licenses)];
  const expressions = unique.map((text) => normalizeSpdxExpression(text));
  const compound = expressions.filter((e) => e !== undefined && isCompoundExpression(e));
  // A CycloneDX licence list is either licences or a single expression, never both (1.6 schema
  // `licenseChoice`); when every string is SPDX, several of them become one `AND` expression.
  if (compound.length > 0 && expressions.every((e) => e !== undefined)) {
    const parts = expressions.map((e) =>
      unique.length > 1 && isCompoundExpression(e) ? `(${e})` : e,
    );
    return [new Models.LicenseExpression(parts.join(' AND '))];
  }
  return unique.map((text) => {
    const id = SPDX.fixupSpdxId(text);
    return id !== undefined ? new Models.SpdxLicense(id) : new Models.NamedLicense(text);
  });
}

/** Moat's facts that CycloneDX has no field for. */
/** A linked package as a property value: its purl, else `<type>:<name>@<version>`. */
function linkText(link: NonNullable<Package['ownedBy']>): string {
  return link.purl ?? `${link.type}:${link.name}@${link.version}`;
}

function propertiesOf(pkg: Package): Models.Property[] {
  const properties: Array<[string, string | undefined]> = [
    ['moat:layer:digest', pkg.layerDigest],
    ['moat:package:path', pkg.path],
    ['moat:package:source-name', pkg.source?.name],
    ['moat:package:source-version', pkg.source?.version],
    ['moat:package:arch', pkg.arch],
    ['moat:dev', pkg.dev === true ? 'true' : undefined],
    ['moat:optional', pkg.optional === true ? 'true' : undefined],
    // Every path the package was found at (its lockfile, hard links), `path` first.
    ...(pkg.locations ?? []).map((location): [string, string] => [
      'moat:package:location',
      location,
    ]),
    ['moat:package:owned-by', pkg.ownedBy && linkText(pkg.ownedBy)],
    ...(pkg.owns ?? []).map((link): [string, string] => ['moat:package:owns', linkText(link)]),
  ];
  return properties.flatMap(([name, value]) =>
    value === undefined || value === '' ? [] : [new Models.Property(name, value)],
  );
}

/**
 * CycloneDX `scope`: a development dependency is `excluded` (not part of the runtime: "test and
 * other non-runtime purposes"), an optional one `optional`; otherwise the field is left out.
 */
function scopeOf(pkg: Package): Enums.ComponentScope | undefined {
  if (pkg.dev === true) return Enums.ComponentScope.Excluded;
  if (pkg.optional === true) return Enums.ComponentScope.Optional;
  return undefined;
}

/** Group and name as CycloneDX splits them: npm scopes keep their `@`, the name drops the group. */
function groupAndName(pkg: Package): { group?: string; name: string } {
  const namespace = pkg.namespace ?? '';
  if (namespace === '') return { name: pkg.name };
  const group = pkg.type === 'npm' ? `@${namespace.replace(/^@/, '')}` : namespace;
  const name = pkg.name.startsWith(`${group}/`) ? pkg.name.slice(group.length + 1) : pkg.name;
  return { group, name };
}

/**
 * One bom-ref per package: the purl, or `purl|path` for a purl an earlier package already took
 * (the same library vendored at two paths), as bom-refs must be unique within a BOM. A package
 * without a purl gets `moat:package:<type>:<name>@<version>|<path>`.
 */
function withBomRefs(packages: readonly Package[]): Array<[Package, string]> {
  const used = new Set<string>();
  return packages.map((pkg) => {
    const base =
      pkg.purl ?? `moat:package:${pkg.type}:${qualifiedName(pkg)}@${pkg.version}|${pkg.path}`;
    let ref = used.has(base) ? `${base}|${pkg.path}` : base;
    for (let n = 2; used.has(ref); n++) ref = `${base}|${pkg.path}|${n}`;
    used.add(ref);
    return [pkg, ref];
  });
}

function imageComponent(inventory: Inventory): Models.Component {
  const purl = subjectPurl(inventory);
  return new Models.Component(Enums.ComponentType.Container, subjectName(inventory), {
    bomRef: purl ?? `moat:image:${inventory.target}`,
    version: subjectVersion(inventory),
    purl,
  });
}

function osComponent(inventory: Inventory): Models.Component | undefined {
  const os = inventory.artifact.os;
  if (os === undefined) return undefined;
  return new Models.Component(Enums.ComponentType.OperatingSystem, os.family, {
    bomRef: `moat:os:${os.family}@${os.version}`,
    version: os.version === '' ? undefined : os.version,
    description: os.name,
  });
}

/** A CycloneDX BOM of an inventory, with the bom-ref given to each package (by purl and path). */
export interface CycloneDxBom {
  bom: Models.Bom;
  /** `purl` + NUL + `path` → bom-ref of that package's component. */
  bomRefs: Map<string, Models.BomRef>;
}

/** The key of {@link CycloneDxBom.bomRefs} for a package. */
export function bomRefKey(purl: string, path: string): string {
  return `${purl}\u0000${path}`;
}

/** Builds the CycloneDX model of the inventory (fresh serial number per call). */
export function buildCycloneDxBom(inventory: Inventory, options: RenderOptions = {}): CycloneDxBom {
  const image = imageComponent(inventory);
  const tool = new Models.Component(Enums.ComponentType.Application, 'moat', {
    version: options.toolVersion ?? 'unknown',
  });
  const bom = new Models.Bom({
    serialNumber: `urn:uuid:${randomUUID()}`,
    metadata: new Models.Metadata({
      timestamp: createdAtOf(inventory),
      tools: new Models.Tools({ components: new Models.ComponentRepository([tool]) }),
      component: image,
    }),
  });

  const os = osComponent(inventory);
  if (os !== undefined) {
    bom.components.add(os);
    image.dependencies.add(os.bomRef);
  }
  const bomRefs = new Map<string, Models.BomRef>();
  for (const [pkg, bomRef] of withBomRefs(sortedPackages(inventory))) {
    const { group, name } = groupAndName(pkg);
    const component = new Models.Component(Enums.ComponentType.Library, name, {
      bomRef,
      group,
      version: pkg.version,
      purl: pkg.purl,
      scope: scopeOf(pkg),
      licenses: new Models.LicenseRepository(licensesOf(pkg.licenses)),
      properties: new Models.PropertyRepository(propertiesOf(pkg)),
    });
    bom.components.add(component);
    image.dependencies.add(component.bomRef);
    if (pkg.purl !== undefined) bomRefs.set(bomRefKey(pkg.purl, pkg.path), component.bomRef);
  }
  return { bom, bomRefs };
}

/** Serialises a BOM as CycloneDX 1.6 JSON with sorted lists. */
export function serializeCycloneDx(bom: Models.Bom): string {
  const serializer = new Serialize.JsonSerializer(
    new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6),
  );
  return `${serializer.serialize(bom, { sortLists: true, space: 2 })}\n`;
}

/** Renders the inventory as a CycloneDX 1.6 JSON document (fresh serial number per call). */
export function renderCycloneDx(inventory: Inventory, options: RenderOptions = {}): string {
  return serializeCycloneDx(buildCycloneDxBom(inventory, options).bom);
}

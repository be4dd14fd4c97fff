/**
 * npm: packages installed under `node_modules`, one `package.json` each, plus the name and
 * license rules the npm lockfile catalogers share.
 *
 * Only a `package.json` directly inside a package directory counts
 * (`node_modules/<name>/package.json`, `node_modules/@scope/<name>/package.json`, at any depth);
 * an application's own `package.json` outside `node_modules` is not an installed package.
 */
import { z } from 'zod';

import type { FoundPackage } from '../../types.js';
import { decodeJson, decodeText, type FileFindings, type TextCataloger } from '../text-input.js';

/** A scoped or plain npm name split the way the purl spec wants it. */
export interface NpmName {
  /** The scope with its `@` (`@babel`), absent for unscoped names. */
  namespace?: string;
  name: string;
}

const NPM_NAME = /^(?:(@[^/\s@]+)\/)?([^/\s@][^/\s]*)$/;

/** Splits `@babel/core` into namespace `@babel` and name `core`; undefined when malformed. */
export function splitNpmName(fullName: string): NpmName | undefined {
  const match = NPM_NAME.exec(fullName);
  if (!match?.[2]) return undefined;
  return match[1] ? { namespace: match[1], name: match[2] } : { name: match[2] };
}

/** Builds an npm package, or records a skip when the name is malformed. */
export function npmPackage(
  findings: FileFindings,
  entry: string,
  fields: {
    fullName: string;
    version: string;
    licenses?: string[];
    metadata?: FoundPackage['metadata'];
  },
): FoundPackage | undefined {
  const split = splitNpmName(fields.fullName);
  if (!split) {
    findings.skip(entry, `malformed package name ${JSON.stringify(fields.fullName)}`);
    return undefined;
  }
  const pkg: FoundPackage = {
    type: 'npm',
    ...split,
    version: fields.version,
    licenses: fields.licenses ?? [],
  };
  if (fields.metadata && Object.keys(fields.metadata).length > 0) pkg.metadata = fields.metadata;
  return pkg;
}

const licenseValue = z.union([z.string(), z.looseObject({ type: z.string() })]);

/** The license fields of a package.json or lockfile entry; unusable values are ignored. */
export const npmLicenseFields = {
  license: licenseValue.optional().catch(undefined),
  licenses: z
    .union([z.array(licenseValue.catch({ type: '' })), licenseValue])
    .optional()
    .catch(undefined),
};

/** Licenses from `license` (string or legacy `{type}`) or the legacy `licenses` array. */
export function npmLicenses(fields: {
  license?: z.output<typeof licenseValue> | undefined;
  licenses?: z.output<typeof licenseValue> | z.output<typeof licenseValue>[] | undefined;
}): string[] {
  const raw = fields.license !== undefined ? [fields.license] : [fields.licenses ?? []].flat();
  return raw
    .map((value) => (typeof value === 'string' ? value : value.type).trim())
    .filter((value) => value.length > 0);
}

const INSTALLED_PACKAGE_JSON = /(?:^|\/)node_modules\/(?:@[^/]+\/)?[^/@][^/]*\/package\.json$/;

const PackageJson = z.looseObject({
  name: z.string().min(1),
  version: z.string().min(1),
  ...npmLicenseFields,
});

function readInstalledPackageJson(content: Buffer, findings: FileFindings): void {
  const doc = decodeJson(decodeText(content));
  if (!doc.ok) return findings.warn(doc.reason);
  const manifest = findings.parseEntry(PackageJson, 'package.json', doc.value);
  if (!manifest) return;
  const pkg = npmPackage(findings, manifest.name, {
    fullName: manifest.name,
    version: manifest.version,
    licenses: npmLicenses(manifest),
  });
  if (pkg) findings.add(pkg);
}

/** The cataloger of installed npm packages (`node_modules/**\/package.json`). */
export const npmInstalledCataloger: TextCataloger = {
  name: 'npm',
  version: 1,
  wants: (path) => INSTALLED_PACKAGE_JSON.test(path),
  read: readInstalledPackageJson,
};

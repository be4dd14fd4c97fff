/**
 * Reads the main section of a JAR manifest (`META-INF/MANIFEST.MF`): `Name: value` headers with
 * 72-byte continuation lines, as the JAR File Specification defines them.
 */

/** Main-section attributes of a manifest, by header name as written. */
export type ManifestAttributes = ReadonlyMap<string, string>;

/** Parses the main section (up to the first blank line); later sections describe entries. */
export function parseManifest(text: string): ManifestAttributes {
  const attributes = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (attributes.size > 0) break;
      continue;
    }
    if (line.startsWith(' ')) {
      // A continuation: the rest of the line (after exactly one space) extends the previous value.
      if (current !== undefined)
        attributes.set(current, (attributes.get(current) ?? '') + line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      current = undefined;
      continue;
    }
    current = line.slice(0, colon).trim();
    attributes.set(current, line.slice(colon + 1).trimStart());
  }
  return attributes;
}

/** A Maven identity as far as a manifest reveals it. */
export interface ManifestIdentity {
  groupId?: string;
  artifactId?: string;
  version?: string;
}

const ARTIFACT_ID = /^[A-Za-z0-9_.-]+$/;
/**
 * A reverse-DNS groupId (`org.apache.commons`). `Implementation-Vendor-Id` often holds a vendor's
 * name instead ("The Apache Software Foundation"), which is no groupId.
 */
const GROUP_ID = /^[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+$/;

/** The Maven coordinates a manifest suggests (Implementation-* first, then OSGi Bundle-*). */
export function manifestIdentity(attributes: ManifestAttributes): ManifestIdentity {
  const get = (name: string) => {
    const value = attributes.get(name)?.trim();
    return value ? value : undefined;
  };
  // `Bundle-SymbolicName: com.fasterxml.jackson.core.jackson-databind;singleton:=true`
  const symbolicName = get('Bundle-SymbolicName')?.split(';')[0]?.trim();
  const dot = symbolicName?.lastIndexOf('.') ?? -1;
  const title = get('Implementation-Title');
  const identity: ManifestIdentity = {};
  const vendorId = get('Implementation-Vendor-Id');
  const groupId =
    (vendorId && GROUP_ID.test(vendorId) ? vendorId : undefined) ??
    (dot > 0 ? symbolicName?.slice(0, dot) : undefined);
  const artifactId = title && ARTIFACT_ID.test(title) ? title : undefined;
  const version = get('Implementation-Version') ?? get('Bundle-Version');
  if (groupId) identity.groupId = groupId;
  if (artifactId) identity.artifactId = artifactId;
  if (version) identity.version = version;
  return identity;
}

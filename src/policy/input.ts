/**
 * Building the {@link PolicyInput} (the CEL variables) from what a scan produced: the reference
 * split into registry, repository and tag, the image configuration, the packages and the
 * vulnerabilities left after ignores and VEX. Signatures are added by the caller (gatherSignatures).
 */
import type { Inventory, Package } from '../catalog/types.js';
import type { ImageConfig } from '../image/types.js';
import type { Finding, Severity } from '../match/types.js';
import { parseReference } from '../registry-client/reference.js';
import type { PolicyInput, PolicyPackage, PolicyVulnerability } from './types.js';

/** What a scan knows about an image. */
export interface PolicyInputParts {
  /** The image reference or scan target as given. */
  reference: string;
  /** Manifest digest; '' when the target has none. */
  digest: string;
  config: ImageConfig;
  inventory: Inventory;
  /** Findings after the scan's filters (ignore file, VEX). */
  findings: Finding[];
}

const localTransports = /^(docker-archive|oci|oci-archive|dir):/;

/**
 * The policy input of a scanned image, without signatures.
 * @example
 * const input = { ...buildPolicyInput({ reference, digest, config, inventory, findings }), signatures: [], attestations: [] };
 */
export function buildPolicyInput(
  parts: PolicyInputParts,
): Omit<PolicyInput, 'signatures' | 'attestations'> {
  const location = locationOf(parts.reference, parts.inventory);
  const config = plain(parts.config);
  const labels = { ...(parts.inventory.artifact.labels ?? {}), ...(config.config?.Labels ?? {}) };
  const summary: Record<Severity, number> = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  const vulnerabilities = parts.findings.map((finding): PolicyVulnerability => {
    summary[finding.severity]++;
    return {
      id: finding.id,
      aliases: [...finding.aliases],
      severity: finding.severity,
      status: finding.status,
      fixedVersions: [...finding.fixedVersions],
      packageName: finding.packageName,
      installedVersion: finding.installedVersion,
      purl: finding.purl,
      cvssScore: finding.cvss.reduce((max, c) => Math.max(max, c.score), 0),
    };
  });
  return {
    image: {
      reference: parts.reference,
      ...location,
      digest: parts.digest,
      config,
      labels,
      ...(config.created !== undefined ? { created: config.created } : {}),
      user: config.config?.User ?? '',
    },
    scan: { packages: parts.inventory.packages.map(policyPackage), vulnerabilities, summary },
  };
}

/** Registry, repository and tag of a registry reference; the inventory's name for local targets. */
function locationOf(
  reference: string,
  inventory: Inventory,
): { registry: string; repository: string; tag?: string } {
  const bare = reference.startsWith('docker://') ? reference.slice('docker://'.length) : reference;
  if (!localTransports.test(bare) && inventory.artifact.transport === 'registry') {
    try {
      const parsed = parseReference(bare);
      return {
        registry: parsed.registry,
        repository: parsed.repository,
        ...(parsed.tag !== undefined ? { tag: parsed.tag } : {}),
      };
    } catch {
      // Not a registry reference after all: treated as local below.
    }
  }
  const tag = inventory.artifact.repoTags[0]?.split(':').pop();
  return {
    registry: '',
    repository: inventory.artifact.name,
    ...(tag !== undefined ? { tag } : {}),
  };
}

/** Names as ecosystems write them: `@scope/name` for npm, `vendor/name`, `group:artifact`. */
function policyPackage(pkg: Package): PolicyPackage {
  const name =
    pkg.namespace === undefined || pkg.namespace === ''
      ? pkg.name
      : pkg.type === 'maven'
        ? `${pkg.namespace}:${pkg.name}`
        : `${pkg.namespace}/${pkg.name}`;
  return {
    name,
    version: pkg.version,
    type: pkg.type,
    purl: pkg.purl ?? '',
    ...(pkg.layerDigest !== undefined ? { layerDigest: pkg.layerDigest } : {}),
  };
}

/** Deepest nesting of an image configuration taken (`ExposedPorts` values are free-form JSON). */
const maxConfigDepth = 32;

/**
 * A copy without undefined members (CEL's `has()` must see them as absent) or shared objects. A
 * value nested deeper than any real configuration is replaced by a string saying so: the policy
 * is still decided (a hostile image cannot make the gate fail), and an expression that looks
 * there sees the marker.
 */
function plain(config: ImageConfig): ImageConfig {
  return copyPlain(config ?? {}, 0) as ImageConfig;
}

function copyPlain(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > maxConfigDepth) return `(nested deeper than ${maxConfigDepth} levels)`;
  if (Array.isArray(value)) return value.map((item: unknown) => copyPlain(item ?? null, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) copy[key] = copyPlain(item, depth + 1);
  }
  return copy;
}

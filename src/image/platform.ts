/**
 * Platforms (`os/arch[/variant]`) and selecting a manifest from an index by platform, following
 * the OCI image-index matching rules (os and architecture must match; the variant must match when
 * asked for; arm64 without a variant means v8).
 */
import { MoatError } from '../errors.js';
import type { Platform } from './types.js';
import { descriptorPlatform, type Descriptor, type ImageIndex } from './manifest.js';

/**
 * Parses `os/arch[/variant]`.
 * @example parsePlatform('linux/arm64/v8') // { os: 'linux', architecture: 'arm64', variant: 'v8' }
 */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '' || /\s/.test(p))) {
    throw new MoatError(
      'USAGE',
      `invalid platform ${JSON.stringify(text)}: expected os/arch[/variant]`,
    );
  }
  const [os, architecture, variant] = parts as [string, string, string?];
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** The platform Moat selects when none is given: `linux/amd64`. */
export function defaultPlatform(): Platform {
  return { os: 'linux', architecture: 'amd64' };
}

function normaliseVariant(platform: Platform): string | undefined {
  if (platform.variant) return platform.variant;
  return platform.architecture === 'arm64' ? 'v8' : undefined;
}

/** True when an index entry's platform satisfies the wanted platform. */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  if (wanted.os !== candidate.os || wanted.architecture !== candidate.architecture) return false;
  const wantedVariant = normaliseVariant(wanted);
  if (wantedVariant === undefined) return true;
  return normaliseVariant(candidate) === wantedVariant;
}

/**
 * The first manifest in `index` matching `platform` (entries without a platform, such as
 * attestations, are never chosen); `PLATFORM_NOT_FOUND` lists the platforms that exist.
 */
export function selectManifestFromIndex(
  index: ImageIndex,
  platform: Platform,
  name = 'index',
): Descriptor {
  const found = index.manifests.find((d) => {
    const candidate = descriptorPlatform(d);
    return candidate !== undefined && platformMatches(platform, candidate);
  });
  if (found) return found;
  const available = index.manifests
    .map(descriptorPlatform)
    .filter((p): p is Platform => p !== undefined && p.os !== 'unknown')
    .map(formatPlatform);
  throw new MoatError(
    'PLATFORM_NOT_FOUND',
    `${name}: no image for platform ${formatPlatform(platform)}; available: ${available.length > 0 ? [...new Set(available)].join(', ') : 'none'}`,
  );
}

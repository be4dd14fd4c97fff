/**
 * The limits on an AdmissionReview, untrusted input like any HTTP body: the API server sends at
 * most ~3 MiB (an object and its old version, each below etcd's 1.5 MiB), real pod specs have a
 * handful of containers and a nesting depth near 15. Each limit is listed in `docs/limits.md`.
 */

/** Limits applied to one AdmissionReview. */
export interface AdmissionLimits {
  /** Largest request body, bytes (413 above it). */
  maxBodyBytes: number;
  /** Deepest nesting of JSON arrays and objects in the body. */
  maxDepth: number;
  /** Containers, init containers and ephemeral containers of one object, together. */
  maxContainers: number;
  /** Longest image reference read from a container. */
  maxImageLength: number;
  /** Longest `uid`, name, namespace, kind or container name read. */
  maxNameLength: number;
}

/** The limits `moat serve` applies. */
export const admissionLimits: AdmissionLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxContainers: 256,
  maxImageLength: 1024,
  maxNameLength: 253,
};

/**
 * The deepest nesting of arrays and objects in JSON text, stopping as soon as `limit` is passed
 * (a scan of the raw bytes, so that a hostile body never reaches a recursive walk).
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

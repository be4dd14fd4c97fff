/**
 * `--vex FILE`: reads a VEX document, tells OpenVEX from CycloneDX VEX by its content, and
 * returns its statements normalised (see vex-statement.ts for how they apply).
 */
import { defaultFilterLimits, type FilterLimits } from './limits.js';
import { FilterDocumentError, readDocument } from './read-document.js';
import { looksLikeCycloneDx, parseCycloneDxVex } from './vex-cyclonedx.js';
import { looksLikeOpenVex, parseOpenVex } from './vex-openvex.js';
import type { VexStatement } from './vex-statement.js';

/**
 * Reads the VEX document at `path`.
 * @throws FilterDocumentError naming the file for unreadable, non-JSON or unknown documents.
 */
export async function loadVex(
  path: string,
  limits: FilterLimits = defaultFilterLimits,
): Promise<VexStatement[]> {
  return parseVex(await readDocument(path, limits.maxVexBytes, 'VEX document'), path, limits);
}

/** Parses VEX document text; `path` names the file in errors and reasons. */
export function parseVex(
  text: string,
  path: string,
  limits: FilterLimits = defaultFilterLimits,
): VexStatement[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new FilterDocumentError(`${path}: the VEX document is not valid JSON`, { cause });
  }
  if (looksLikeOpenVex(value)) return parseOpenVex(value, path, limits.maxVexStatements);
  if (looksLikeCycloneDx(value)) return parseCycloneDxVex(value, path, limits.maxVexStatements);
  throw new FilterDocumentError(
    `${path}: not an OpenVEX or CycloneDX VEX document (CSAF is not supported)`,
  );
}

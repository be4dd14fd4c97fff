/**
 * The names of the SBOM formats, apart from their renderers so that the CLI can validate
 * `--format` without loading every renderer (the CycloneDX library is large).
 */

/** Every format `moat sbom --format` accepts, in the order help text lists them. */
export const sbomFormats = ['cyclonedx-json', 'spdx-json', 'json', 'table'] as const;

/** A format `moat sbom --format` accepts. */
export type SbomFormat = (typeof sbomFormats)[number];

/** True when `value` names an SBOM format (for validating `--format`). */
export function isSbomFormat(value: string): value is SbomFormat {
  return (sbomFormats as readonly string[]).includes(value);
}

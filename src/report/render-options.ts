/** Options shared by every SBOM format. */

/** Options every SBOM format takes. */
export interface RenderOptions {
  /** Moat's version, named as the generating tool; `unknown` when not given. */
  toolVersion?: string;
}

/**
 * The documents a scan attaches to the image, signed with the registry's key through the
 * internal registry: the SBOM (CycloneDX, predicate type `https://cyclonedx.org/bom`) and the
 * vulnerability report (cosign's `https://cosign.sigstore.dev/attestation/vuln/v1`), each an
 * in-toto statement about the manifest digest in a DSSE envelope, stored as a Sigstore bundle
 * referrer — what `moat attest --type cyclonedx|vuln` writes, so `cosign verify-attestation
 * --key <registry key> --type vuln` checks them.
 */
import type { Inventory } from '../catalog/types.js';
import { renderCycloneDx } from '../report/cyclonedx.js';
import { buildCosignVulnPredicate } from '../report/vulnerabilities-cosign.js';
import type { InternalRegistry } from '../server/gate-types.js';
import { attestImage } from '../sign/image.js';
import type { SigningKey } from '../sign/types.js';
import type { MatchedFindings } from './scan-pipeline.js';

/** How scans attach signed referrers. */
export interface ReferrerSigner {
  internal: InternalRegistry;
  key: SigningKey;
  /** Moat's version, for the documents' tool fields. */
  toolVersion?: string;
}

/** When a scan ran and against which database. */
export interface ScanProvenance {
  startedOn: string;
  finishedOn: string;
  dbVersion: string;
}

function digestOfStored(stored: string): string {
  return stored.slice(stored.lastIndexOf('@') + 1);
}

/** Attests the SBOM of `repository@digest`; resolves to the referrer's digest. */
export async function attachSbom(
  signer: ReferrerSigner,
  repository: string,
  digest: string,
  inventory: Inventory,
): Promise<string> {
  const sbom = renderCycloneDx(inventory, { toolVersion: signer.toolVersion ?? 'unknown' });
  const result = await attestImage(`${signer.internal.host}/${repository}@${digest}`, {
    key: signer.key,
    predicate: Buffer.from(sbom),
    type: 'cyclonedx',
    access: signer.internal.access,
  });
  return digestOfStored(result.stored);
}

/** Attests the vulnerability report of `repository@digest`; resolves to the referrer's digest. */
export async function attachReport(
  signer: ReferrerSigner,
  repository: string,
  digest: string,
  inventory: Inventory,
  matched: MatchedFindings,
  provenance: ScanProvenance,
): Promise<string> {
  const predicate = buildCosignVulnPredicate(
    {
      inventory,
      findings: matched.findings,
      ignored: matched.ignored,
      warnings: matched.warnings,
      ...(matched.eol !== undefined ? { eol: matched.eol } : {}),
      scannedAt: { startedOn: provenance.startedOn, finishedOn: provenance.finishedOn },
      database: { uri: 'moat-vuln.db', version: provenance.dbVersion },
    },
    { toolVersion: signer.toolVersion ?? 'unknown' },
  );
  const result = await attestImage(`${signer.internal.host}/${repository}@${digest}`, {
    key: signer.key,
    predicate: Buffer.from(JSON.stringify(predicate)),
    type: 'vuln',
    access: signer.internal.access,
  });
  return digestOfStored(result.stored);
}

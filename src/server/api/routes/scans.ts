/**
 * `/api/v1/projects/{project}/repositories/{repository}/artifacts/{digest}/scan…`: the scan of
 * one stored manifest — its state and counts by severity, its SBOM (CycloneDX) and its
 * vulnerability report (Moat's JSON, SARIF, CycloneDX VEX or cosign-vuln) — and a request to
 * scan it; `/api/v1/signing-key`: the public key the attached referrers are signed with.
 * `repository` is the repository's name inside the project (`app` for `team/app`; a deeper name
 * URL-encoded, `tools%2Fbuild`). Reads need `scan:read` in the project, requests `scan:create`;
 * the manifest must be stored in that repository.
 */
import { z } from 'zod';

import { AuthError } from '../../../auth/errors.js';
import type { Authorizer } from '../../../auth/services.js';
import { renderCycloneDx } from '../../../report/cyclonedx.js';
import { renderScan } from '../../../report/render.js';
import type { MetadataStore } from '../../../store/types.js';
import type { ScanRecord, ScanService } from '../../gate-types.js';
import { apiRoute, type ApiCaller, type ApiRoute } from '../types.js';

/** What the scan routes need. */
export interface ScanRouteServices {
  scans: ScanService;
  meta: MetadataStore;
  /** The registry's signing key (SPKI PEM). */
  publicKeyPem: string;
}

const artifactParams = z.strictObject({
  project: z.string().min(1).max(64),
  repository: z.string().min(1).max(255),
  digest: z.string().regex(/^sha(256:[a-f0-9]{64}|512:[a-f0-9]{128})$/, 'a manifest digest'),
});
type ArtifactParams = z.infer<typeof artifactParams>;

const severityCounts = z.object({
  CRITICAL: z.number(),
  HIGH: z.number(),
  MEDIUM: z.number(),
  LOW: z.number(),
  UNKNOWN: z.number(),
});
const scanView = z.object({
  digest: z.string(),
  repository: z.string(),
  state: z.enum(['not_scanned', 'pending', 'running', 'done', 'failed', 'not_applicable']),
  attempts: z.number().optional(),
  error: z.string().optional(),
  summary: severityCounts.optional(),
  dbVersion: z.string().optional(),
  scannedAt: z.string().optional(),
  sbomReferrer: z.string().optional(),
  reportReferrer: z.string().optional(),
});

const reportQuery = z.strictObject({
  format: z.enum(['json', 'sarif', 'cyclonedx-json', 'cosign-vuln']).optional(),
});

/**
 * The scan routes.
 * @example registerApi(app, { routes: [...scanRoutes({ scans, meta, publicKeyPem, authorizer })], identity, credentials, version });
 */
export function scanRoutes(services: ScanRouteServices & { authorizer: Authorizer }): ApiRoute[] {
  const { scans, meta, authorizer } = services;
  const base = '/projects/{project}/repositories/{repository}/artifacts/{digest}/scan';

  /** The full repository name, once the caller may act on it and it holds the manifest. */
  const stored = async (
    caller: ApiCaller | undefined,
    params: ArtifactParams,
    action: 'scan:read' | 'scan:create',
  ): Promise<string> => {
    if (!caller) throw new AuthError('UNAUTHENTICATED', 'authentication required');
    await authorizer.require(caller.principal, params.project, action);
    const repository = `${params.project}/${params.repository}`;
    if ((await meta.getManifest(repository, params.digest)) === undefined) {
      throw new AuthError('NOT_FOUND', `${repository} holds no manifest ${params.digest}`);
    }
    return repository;
  };
  const documents = async (digest: string) => {
    const result = await scans.result(digest);
    if (result === undefined) {
      const state = (await scans.get(digest))?.state ?? 'not_scanned';
      throw new AuthError('NOT_FOUND', `the scan of ${digest} is ${state.replace('_', ' ')}`);
    }
    return result;
  };

  return [
    apiRoute({
      method: 'GET',
      path: base,
      summary: "An artifact's scan: state, counts by severity, database, signed referrers",
      tag: 'scans',
      auth: 'user',
      params: artifactParams,
      response: scanView,
      async handler({ caller, params }) {
        const repository = await stored(caller, params, 'scan:read');
        return viewOf(await scans.get(params.digest), repository, params.digest);
      },
    }),
    apiRoute({
      method: 'POST',
      path: base,
      summary: 'Scan an artifact (queued; a done scan is kept, a failed one is retried)',
      tag: 'scans',
      auth: 'user',
      params: artifactParams,
      response: scanView,
      status: 202,
      async handler({ caller, params }) {
        const repository = await stored(caller, params, 'scan:create');
        return viewOf(await scans.request(repository, params.digest), repository, params.digest);
      },
    }),
    apiRoute({
      method: 'GET',
      path: `${base}/sbom`,
      summary: "The artifact's SBOM (CycloneDX JSON)",
      tag: 'scans',
      auth: 'user',
      params: artifactParams,
      produces: 'application/vnd.cyclonedx+json',
      async handler({ caller, params }) {
        await stored(caller, params, 'scan:read');
        return renderCycloneDx((await documents(params.digest)).inventory);
      },
    }),
    apiRoute({
      method: 'GET',
      path: `${base}/vulnerabilities`,
      summary:
        "The artifact's vulnerability report (`format`: json by default, sarif, cyclonedx-json, cosign-vuln)",
      tag: 'scans',
      auth: 'user',
      params: artifactParams,
      query: reportQuery,
      produces: 'application/json',
      async handler({ caller, params, query }) {
        await stored(caller, params, 'scan:read');
        const result = await documents(params.digest);
        const format = query.format ?? 'json';
        return renderScan(
          {
            inventory: result.inventory,
            findings: result.findings,
            ignored: result.ignored,
            warnings: result.warnings,
            ...(result.eol !== undefined ? { eol: result.eol } : {}),
            ...(result.dbVersion !== undefined
              ? { database: { uri: 'moat-vuln.db', version: result.dbVersion } }
              : {}),
          },
          format,
        );
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/signing-key',
      summary:
        "The registry's public key: verify the attached SBOM and vulnerability attestations with it",
      tag: 'scans',
      auth: 'none',
      produces: 'application/x-pem-file',
      handler: () => Promise.resolve(services.publicKeyPem),
    }),
  ];
}

function viewOf(
  record: ScanRecord | undefined,
  repository: string,
  digest: string,
): z.infer<typeof scanView> {
  if (record === undefined) return { digest, repository, state: 'not_scanned' };
  return record;
}

/**
 * Every route of `/api/v1`, from each area's module, over one set of access services: what
 * `server/app.ts` hands to `registerApi`, and what the OpenAPI test documents.
 */
import type { AccessServices } from '../../../auth/open.js';
import type { GateService } from '../../gate-types.js';
import type { ProxyProjects } from '../../proxy/upstream.js';
import type { ApiRoute } from '../types.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { policyRoutes } from './policy.js';
import { projectRoutes } from './projects.js';
import { robotRoutes } from './robots.js';
import { scanRoutes, type ScanRouteServices } from './scans.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';

/** Services beyond access control whose areas have routes (absent: those routes are not served). */
export interface ApiExtras {
  /** Scans of stored artifacts and the registry's signing key. */
  scans?: ScanRouteServices;
  /** Registry enforcement: the project policy routes answer 503 without it. */
  gate?: GateService;
  /** Proxy projects (`POST /projects` with `proxy`). */
  proxies?: ProxyProjects;
}

/**
 * The routes of every area.
 * @example registerApi(app, { routes: apiRoutes(services, { scans }), identity, credentials, version });
 */
export function apiRoutes(services: AccessServices, extras: ApiExtras = {}): ApiRoute[] {
  return [
    ...authRoutes(services),
    ...userRoutes(services),
    ...tokenRoutes(services),
    ...robotRoutes(services),
    ...projectRoutes({ ...services, ...(extras.proxies ? { proxies: extras.proxies } : {}) }),
    ...policyRoutes({ ...services, gate: extras.gate }),
    ...auditRoutes(services),
    ...(extras.scans ? scanRoutes({ ...extras.scans, authorizer: services.authorizer }) : []),
  ];
}

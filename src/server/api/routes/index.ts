/**
 * Every route of `/api/v1`, from each area's module, over one set of access services: what
 * `server/app.ts` hands to `registerApi`, and what the OpenAPI test documents.
 */
import type { AccessServices } from '../../../auth/open.js';
import type { GateService } from '../../gate-types.js';
import type { ApiRoute } from '../types.js';
import { auditRoutes } from './audit.js';
import { authRoutes } from './auth.js';
import { policyRoutes } from './policy.js';
import { projectRoutes } from './projects.js';
import { robotRoutes } from './robots.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';

/**
 * The routes of every area.
 * @example registerApi(app, { routes: apiRoutes(services), identity, credentials, version });
 */
export function apiRoutes(services: AccessServices, gate?: GateService): ApiRoute[] {
  return [
    ...authRoutes(services),
    ...userRoutes(services),
    ...tokenRoutes(services),
    ...robotRoutes(services),
    ...projectRoutes(services),
    ...policyRoutes({ ...services, gate }),
    ...auditRoutes(services),
  ];
}

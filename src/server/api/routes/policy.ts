/**
 * `/api/v1/projects/{project}/policy`: the policy a project carries for registry enforcement.
 * `PUT` takes the document as JSON or as YAML (`content-type: application/yaml`), validated and
 * compiled with the file-less rules of a stored policy (keys and trusted roots inline); an
 * invalid document is a 400 `POLICY_INVALID` naming the line and the key. Project administrators
 * write (`policy:write`), members read (`policy:read`); every change is audited.
 */
import { stringify } from 'yaml';
import { z } from 'zod';

import { AuthError } from '../../../auth/errors.js';
import { auditActor, type AuditRecorder } from '../../../auth/model.js';
import type { Authorizer, Projects } from '../../../auth/services.js';
import { parsePolicy } from '../../../policy/index.js';
import type { CompiledPolicy } from '../../../policy/types.js';
import { ApiRefusal } from '../errors.js';
import type { GateService } from '../../gate-types.js';
import { apiRoute, type ApiCaller, type ApiRoute } from '../types.js';

/** Largest policy document accepted (inline keys and a trusted root fit easily). */
const maxPolicyBytes = 256 * 1024;

const params = z.strictObject({ project: z.string().min(1).max(64) });
const textBody = z.object({ mediaType: z.string(), text: z.string() });
const policyView = z.object({
  project: z.string(),
  name: z.string(),
  hash: z.string(),
  document: z.record(z.string(), z.unknown()),
});
/** What OpenAPI shows of the request body (the schema itself is `docs/policy.md`'s). */
const documentation = {
  description: 'A moat.dev/v1 Policy document (docs/policy.md), as JSON or YAML',
  type: ['object', 'string'],
};

/**
 * The policy routes.
 * @example registerApi(app, { routes: [...policyRoutes({ gate, projects, authorizer, audit })], identity, credentials, version });
 */
export function policyRoutes(services: {
  gate: GateService | undefined;
  projects: Projects;
  authorizer: Authorizer;
  audit: AuditRecorder;
}): ApiRoute[] {
  const { projects, authorizer, audit } = services;
  const gateOf = (): GateService => {
    if (services.gate) return services.gate;
    throw new ApiRefusal(
      'INVALID_REQUEST',
      'registry enforcement is not running on this server',
      503,
    );
  };
  const existing = async (project: string): Promise<void> => {
    if (!(await projects.getProject(project)))
      throw new AuthError('NOT_FOUND', `no project ${project}`);
  };
  return [
    apiRoute({
      method: 'PUT',
      path: '/projects/{project}/policy',
      summary: "Set the project's policy, as JSON or YAML (project administrators)",
      tag: 'policy',
      auth: 'user',
      params,
      body: textBody,
      textBody: {
        mediaTypes: ['application/yaml', 'application/x-yaml', 'text/yaml'],
        maxBytes: maxPolicyBytes,
        documentation,
      },
      response: policyView,
      async handler({ params: { project }, body, caller, client }) {
        const principal = principalOf(caller);
        await authorizer.require(principal, project, 'policy:write');
        await existing(project);
        const source = `policy of project ${project}`;
        const parsed = await parsePolicy(body.text, source, { allowFiles: false });
        const policy = await gateOf().setPolicy(project, parsed.document, principal.name);
        audit.record({
          ...auditActor(principal),
          clientIp: client.ip,
          action: 'policy.update',
          target: `project:${project}`,
          outcome: 'success',
          details: { policy: policy.name, hash: policy.hash },
        });
        return viewOf(project, policy);
      },
    }),
    apiRoute({
      method: 'GET',
      path: '/projects/{project}/policy',
      summary: "The project's policy (its document as YAML with `Accept: application/yaml`)",
      tag: 'policy',
      auth: 'user',
      params,
      response: policyView,
      async handler({ params: { project }, caller, reply }) {
        await authorizer.require(principalOf(caller), project, 'policy:read');
        await existing(project);
        const policy = await gateOf().policyOf(project);
        if (!policy) throw new AuthError('NOT_FOUND', `project ${project} carries no policy`);
        if (/\byaml\b/i.test(reply.request.headers.accept ?? '')) {
          // The document as it can be PUT back (comments of the original are not kept).
          return reply.type('application/yaml; charset=utf-8').send(stringify(policy.document));
        }
        return viewOf(project, policy);
      },
    }),
    apiRoute({
      method: 'DELETE',
      path: '/projects/{project}/policy',
      summary: "Remove the project's policy (project administrators)",
      tag: 'policy',
      auth: 'user',
      params,
      status: 204,
      async handler({ params: { project }, caller, client }) {
        const principal = principalOf(caller);
        await authorizer.require(principal, project, 'policy:write');
        await existing(project);
        if (!(await gateOf().deletePolicy(project, principal.name))) {
          throw new AuthError('NOT_FOUND', `project ${project} carries no policy`);
        }
        audit.record({
          ...auditActor(principal),
          clientIp: client.ip,
          action: 'policy.delete',
          target: `project:${project}`,
          outcome: 'success',
        });
      },
    }),
  ];
}

function principalOf(caller: ApiCaller | undefined): ApiCaller['principal'] {
  if (!caller) throw new AuthError('UNAUTHENTICATED', 'authentication required');
  return caller.principal;
}

function viewOf(project: string, policy: CompiledPolicy): z.infer<typeof policyView> {
  return {
    project,
    name: policy.name,
    hash: policy.hash,
    document: policy.document as unknown as Record<string, unknown>,
  };
}

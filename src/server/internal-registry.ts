/**
 * The registry's own `/v2`, reached in-process: a Fastify instance that never listens, carrying
 * the same `/v2` routes over the same stores, with an {@link Access} that allows everything (it
 * has no socket, so nobody outside the process reaches it). Requests go through `app.inject`,
 * wrapped as the {@link FetchLike} that the registry client, `verifyImage` and `attestImage`
 * accept. References name it by the host `moat.internal`.
 */
import Fastify, { type FastifyInstance } from 'fastify';

import type { Access, Principal } from '../auth/types.js';
import type { FetchLike } from '../util/timed-fetch.js';
import type { RegistryContext } from './context.js';
import type { InternalRegistry } from './gate-types.js';
import { registerV2 } from './v2/index.js';

/** The host name that names the internal registry in references (`moat.internal/team/app@…`). */
export const internalRegistryHost = 'moat.internal';

/** Who the internal registry's requests run as (what the audit log shows for its pushes). */
const internalPrincipal: Principal = {
  kind: 'user',
  name: 'moat.internal',
  systemAdmin: true,
};

const allowAll: Access = {
  require: () => Promise.resolve(internalPrincipal),
  missingClassification: () => Promise.resolve(undefined),
};

/**
 * Opens the internal registry over `context`'s stores. Neither scanning, the gate nor
 * pull-through applies to it: its pushes are Moat's own referrers and its pulls are Moat's own
 * verification.
 * @example
 * const internal = await openInternalRegistry(context);
 * await attestImage(`${internal.host}/team/app@${digest}`, { key, predicate, type: 'vuln', access: internal.access });
 */
export async function openInternalRegistry(
  context: Pick<RegistryContext, 'meta' | 'blobs' | 'audit' | 'limits'>,
): Promise<InternalRegistry> {
  const app = Fastify({
    logger: false,
    bodyLimit: Math.max(context.limits.maxManifestBytes, 64 * 1024),
    routerOptions: { maxParamLength: 1024 },
  });
  registerV2(app, {
    meta: context.meta,
    blobs: context.blobs,
    audit: context.audit,
    limits: context.limits,
    access: allowAll,
  });
  await app.ready();
  return {
    host: internalRegistryHost,
    access: { insecure: true, fetch: injectFetch(app), env: {} },
    close: () => app.close(),
  };
}

/** A `fetch` over `app.inject`: same URL path and query, method, headers and body. */
function injectFetch(app: FastifyInstance): FetchLike {
  return async (url, init) => {
    const target = typeof url === 'string' ? new URL(url) : url;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    const body = await bodyOf(init.body);
    const response = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: `${target.pathname}${target.search}`,
      headers: { ...headers, host: internalRegistryHost },
      ...(body !== undefined ? { payload: body } : {}),
    });
    const answer = new Headers();
    for (const [key, value] of Object.entries(response.headers)) {
      if (value === undefined) continue;
      for (const one of Array.isArray(value) ? value : [value]) answer.append(key, String(one));
    }
    const noBody = init.method === 'HEAD' || [204, 304].includes(response.statusCode);
    return new Response(noBody ? null : response.rawPayload, {
      status: response.statusCode,
      headers: answer,
    });
  };
}

async function bodyOf(body: RequestInit['body']): Promise<Buffer | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  return Buffer.from(await new Response(body).arrayBuffer());
}

/**
 * The proxy's hooks in the `/v2` routes: a manifest `GET`/`HEAD` in a proxy project pulls
 * through first, a blob the repository does not hold is fetched from upstream, and pushes are
 * refused (`DENIED`: a proxy project mirrors its upstream and takes no content of its own).
 * Failures become OCI errors here (`ociErrorOf`: 403 `DENIED` for an upstream that lies or
 * passes a limit, 404 naming `UPSTREAM_UNAVAILABLE` when nothing is cached and upstream is down). Without `ctx.proxy` every hook does nothing.
 */
import { projectOf } from '../../auth/projects/index.js';
import { DistributionError } from '../../distribution/errors.js';
import { isDigest } from '../../distribution/grammar.js';
import type { RegistryContext } from '../context.js';
import { ociErrorOf } from './errors.js';

/** Before a manifest is served: makes `name:reference` present when `name` is proxied. */
export async function pullThroughManifest(
  ctx: RegistryContext,
  name: string,
  reference: string,
): Promise<void> {
  if (ctx.proxy === undefined || !(await ctx.proxy.isProxied(name))) return;
  try {
    await ctx.proxy.pullThrough(name, reference);
  } catch (error) {
    throw ociErrorOf(error, 'manifest');
  }
}

/** Before a blob is served: fetches it from upstream when `name` is proxied and lacks it. */
export async function pullThroughBlob(
  ctx: RegistryContext,
  name: string,
  digest: string,
): Promise<void> {
  const proxy = ctx.proxy;
  if (proxy?.pullBlob === undefined || !isDigest(digest)) return;
  if ((await ctx.meta.getBlob(name, digest)) !== undefined) return;
  if (!(await proxy.isProxied(name))) return;
  try {
    await proxy.pullBlob(name, digest);
  } catch (error) {
    throw ociErrorOf(error, 'blob');
  }
}

/** Before a manifest push or a blob upload: refused in a proxy project. */
export async function refusePushToProxy(ctx: RegistryContext, name: string): Promise<void> {
  if (ctx.proxy === undefined || !(await ctx.proxy.isProxied(name))) return;
  throw new DistributionError(
    'DENIED',
    `project ${projectOf(name)} is a proxy project (a read-only pull-through cache of its upstream registry): pushes are refused`,
    { detail: { project: projectOf(name) } },
  );
}

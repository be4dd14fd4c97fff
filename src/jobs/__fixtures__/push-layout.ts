/**
 * Pushes the images of an OCI layout into a registry reached through a `fetch` (the internal
 * registry in tests), as a client would: every blob uploaded, then the manifest under a tag.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { RegistryClient } from '../../registry-client/client.js';
import { putManifest, uploadBlob } from '../../registry-client/write.js';
import type { InternalRegistry } from '../../server/gate-types.js';

interface Descriptor {
  mediaType: string;
  digest: string;
  annotations?: Record<string, string>;
}

const blob = (dir: string, digest: string) => readFile(join(dir, 'blobs', ...digest.split(':')));

/**
 * Pushes the layout's image tagged `layoutTag` to `repository:tag`; resolves to its manifest
 * digest.
 */
export async function pushLayout(
  internal: InternalRegistry,
  dir: string,
  repository: string,
  tag: string,
  layoutTag = 'app',
): Promise<string> {
  const client = new RegistryClient({
    host: internal.host,
    insecure: true,
    ...(internal.access.fetch ? { fetch: internal.access.fetch } : {}),
  });
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const top = index.manifests.find(
    (d) => d.annotations?.['org.opencontainers.image.ref.name'] === layoutTag,
  );
  if (top === undefined) throw new Error(`no image tagged ${layoutTag} in ${dir}`);
  const manifestBytes = await blob(dir, top.digest);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  for (const d of [manifest.config, ...manifest.layers]) {
    await uploadBlob(client, repository, await blob(dir, d.digest));
  }
  const pushed = await putManifest(client, repository, tag, top.mediaType, manifestBytes);
  return pushed.digest;
}

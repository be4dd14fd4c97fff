/**
 * Pushes the images of an OCI layout into a registry (the internal registry, or any registry a
 * client reaches), as a client would: every blob uploaded, then the manifest under a tag.
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
  registry: InternalRegistry | RegistryClient,
  dir: string,
  repository: string,
  tag: string,
  layoutTag = 'app',
): Promise<string> {
  const client =
    registry instanceof RegistryClient
      ? registry
      : new RegistryClient({
          host: registry.host,
          insecure: true,
          ...(registry.access.fetch ? { fetch: registry.access.fetch } : {}),
        });
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const top = index.manifests.find(
    (d) => d.annotations?.['org.opencontainers.image.ref.name'] === layoutTag,
  );
  if (top === undefined) throw new Error(`no image tagged ${layoutTag} in ${dir}`);
  await pushTree(client, dir, repository, top);
  const pushed = await putManifest(
    client,
    repository,
    tag,
    top.mediaType,
    await blob(dir, top.digest),
  );
  return pushed.digest;
}

/** Pushes what `descriptor` needs: an image's blobs, or an index's manifests (by digest). */
async function pushTree(
  client: RegistryClient,
  dir: string,
  repository: string,
  descriptor: Descriptor,
): Promise<void> {
  const document = JSON.parse((await blob(dir, descriptor.digest)).toString('utf8')) as {
    config?: Descriptor;
    layers?: Descriptor[];
    manifests?: Descriptor[];
  };
  for (const child of document.manifests ?? []) {
    await pushTree(client, dir, repository, child);
    await putManifest(
      client,
      repository,
      child.digest,
      child.mediaType,
      await blob(dir, child.digest),
    );
  }
  for (const d of [...(document.config ? [document.config] : []), ...(document.layers ?? [])]) {
    await uploadBlob(client, repository, await blob(dir, d.digest));
  }
}

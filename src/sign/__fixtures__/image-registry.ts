/**
 * Moat's own registry, in-process, with small images to sign: for the tests of the signing
 * operations and commands. Each image is a config and an OCI manifest without layers, unique by
 * its name; `push` tags it, `host` is what references start with.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  pushBlob,
  pushManifest,
  sha256,
  startTestRegistry,
  type TestRegistry,
} from '../../../test/conformance/registry-harness.js';
import { encodeCosignPrivateKey, encodePublicKey, generateSigningKey } from '../keys/index.js';
import type { SigningKey } from '../types.js';

/** A test registry and how to reach it. */
export interface SigningRegistry {
  registry: TestRegistry;
  /** `127.0.0.1:<port>`. */
  host: string;
  access: { username: string; password: string };
  /** Pushes a new image under `repository:tag`; resolves to its manifest digest. */
  push(repository: string, tag: string, name?: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts a registry for signing tests. */
export async function startSigningRegistry(): Promise<SigningRegistry> {
  const registry = await startTestRegistry();
  let count = 0;
  return {
    registry,
    host: new URL(registry.url).host,
    access: { username: 'admin', password: registry.password },
    async push(repository, tag, name = `image-${++count}`) {
      const config = Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: { Labels: { name } },
          rootfs: { type: 'layers', diff_ids: [] },
        }),
      );
      const configDigest = sha256(config);
      const pushed = await pushBlob(registry, repository, {
        content: config,
        digest: configDigest,
      });
      if (pushed.status !== 201) throw new Error(`config push: ${pushed.status}`);
      const manifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            digest: configDigest,
            size: config.length,
          },
          layers: [],
        }),
      );
      const put = await pushManifest(registry, repository, tag, manifest);
      if (put.status !== 201) throw new Error(`manifest push: ${put.status}`);
      return sha256(manifest);
    },
    close: () => registry.close(),
  };
}

/** A key pair written as cosign writes it, in a fresh directory. */
export interface KeyFiles {
  dir: string;
  key: SigningKey;
  /** `cosign.key` (encrypted with {@link keyPassword}) and `cosign.pub`. */
  privatePath: string;
  publicPath: string;
  remove(): Promise<void>;
}

/** The password of the test keys (MOAT_PASSWORD in CLI tests). */
export const keyPassword = 'correct horse battery staple';

/** Generates a P-256 key pair and writes `cosign.key` and `cosign.pub`. */
export async function writeKeyFiles(prefix = 'cosign'): Promise<KeyFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'moat-sign-keys-'));
  const key = generateSigningKey();
  const privatePath = join(dir, `${prefix}.key`);
  const publicPath = join(dir, `${prefix}.pub`);
  await writeFile(privatePath, encodeCosignPrivateKey(key, Buffer.from(keyPassword)));
  await writeFile(publicPath, encodePublicKey(key.publicKey));
  return {
    dir,
    key,
    privatePath,
    publicPath,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

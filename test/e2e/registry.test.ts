/**
 * The registry client against a real registry (CNCF Distribution) holding images pushed by
 * skopeo: anonymous, htpasswd Basic and token-authenticated pulls, tags and digests, and
 * multi-platform indexes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Image, LayerEntry } from '../../src/image/types.js';
import { openRegistryImage, type RegistryImageOptions } from '../../src/registry-client/index.js';
import {
  addIndexToLayout,
  buildOciLayout,
  pushWithSkopeo,
  startRegistry,
  startTokenServer,
  type TestRegistry,
  type TokenServer,
} from './registry-harness.js';

const simpleFiles = {
  'etc/greeting': 'hello from moat\n',
  'usr/bin/tool': '#!/bin/sh\necho tool\n',
};
const amd64Files = { 'etc/arch': 'amd64\n' };
const arm64Files = { 'etc/arch': 'arm64\n', 'usr/lib/arm-only': 'only on arm\n' };

let work: string;
let layout: string;
// No ambient credentials: an empty environment and an empty home directory.
let isolated: RegistryImageOptions;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'moat-e2e-registry-'));
  layout = join(work, 'layout');
  isolated = { env: {}, homeDir: work, retry: { baseDelayMs: 10, maxDelayMs: 50 } };
  await buildOciLayout(layout, [
    { tag: 'simple', files: simpleFiles },
    { tag: 'amd64', files: amd64Files, platform: { os: 'linux', architecture: 'amd64' } },
    { tag: 'arm64', files: arm64Files, platform: { os: 'linux', architecture: 'arm64' } },
  ]);
  await addIndexToLayout(layout, 'multi', [
    { tag: 'amd64', platform: { os: 'linux', architecture: 'amd64' } },
    { tag: 'arm64', platform: { os: 'linux', architecture: 'arm64' } },
  ]);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function text(entry: LayerEntry): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry.content as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every regular file in every layer of `image`, path → content. */
async function filesOf(image: Image): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (let i = 0; i < image.layers.length; i += 1) {
    for await (const entry of image.layerEntries(i)) {
      if (entry.type === 'file') files[entry.path] = await text(entry);
    }
  }
  return files;
}

describe('an anonymous registry', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
    await pushWithSkopeo(layout, 'simple', `${registry.host}/moat/simple:1.0`);
    await pushWithSkopeo(layout, 'multi', `${registry.host}/moat/multi:latest`, { all: true });
  });

  afterAll(async () => {
    await registry.stop();
  });

  it('pulls an image by tag with the files that were pushed', async () => {
    const image = await openRegistryImage(`${registry.host}/moat/simple:1.0`, isolated);
    expect(image.transport).toBe('registry');
    expect(image.repoTags).toEqual([`${registry.host}/moat/simple:1.0`]);
    expect(image.layers[0]?.diffId).toMatch(/^sha256:/);
    expect(await filesOf(image)).toEqual(simpleFiles);
  });

  it('pulls the same image by digest', async () => {
    const byTag = await openRegistryImage(`${registry.host}/moat/simple:1.0`, isolated);
    const name = `${registry.host}/moat/simple@${byTag.manifestDigest}`;
    const byDigest = await openRegistryImage(name, isolated);
    expect(byDigest.name).toBe(name);
    expect(byDigest.configDigest).toBe(byTag.configDigest);
    expect(byDigest.repoTags).toEqual([]);
    expect(await filesOf(byDigest)).toEqual(simpleFiles);
  });

  it.each([
    ['amd64', amd64Files],
    ['arm64', arm64Files],
  ])('selects the %s image from a multi-platform index', async (architecture, files) => {
    const image = await openRegistryImage(`${registry.host}/moat/multi`, {
      ...isolated,
      platform: { os: 'linux', architecture },
    });
    expect(image.config.architecture).toBe(architecture);
    expect(await filesOf(image)).toEqual(files);
  });

  it('fails with PLATFORM_NOT_FOUND for a platform the index lacks', async () => {
    const opening = openRegistryImage(`${registry.host}/moat/multi`, {
      ...isolated,
      platform: { os: 'linux', architecture: 's390x' },
    });
    await expect(opening).rejects.toMatchObject({ code: 'PLATFORM_NOT_FOUND' });
  });

  it('fails with REGISTRY_MANIFEST_UNKNOWN for a tag that does not exist', async () => {
    const opening = openRegistryImage(`${registry.host}/moat/simple:nope`, isolated);
    await expect(opening).rejects.toMatchObject({ code: 'REGISTRY_MANIFEST_UNKNOWN' });
  });
});

describe('a registry with htpasswd Basic authentication', () => {
  const credentials = { username: 'alice', password: 's3cret' };
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ kind: 'htpasswd', credentials });
    await pushWithSkopeo(layout, 'simple', `${registry.host}/moat/private:1`, { credentials });
  });

  afterAll(async () => {
    await registry.stop();
  });

  it('pulls with the right credentials', async () => {
    const image = await openRegistryImage(`${registry.host}/moat/private:1`, {
      ...isolated,
      ...credentials,
    });
    expect(await filesOf(image)).toEqual(simpleFiles);
  });

  it('fails with REGISTRY_UNAUTHORIZED for a wrong password', async () => {
    const opening = openRegistryImage(`${registry.host}/moat/private:1`, {
      ...isolated,
      username: 'alice',
      password: 'wrong',
    });
    await expect(opening).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
  });

  it('fails with REGISTRY_UNAUTHORIZED without credentials', async () => {
    const opening = openRegistryImage(`${registry.host}/moat/private:1`, isolated);
    await expect(opening).rejects.toMatchObject({ code: 'REGISTRY_UNAUTHORIZED' });
  });

  it('uses credentials from MOAT_REGISTRY_USERNAME and MOAT_REGISTRY_PASSWORD', async () => {
    const env = { MOAT_REGISTRY_USERNAME: 'alice', MOAT_REGISTRY_PASSWORD: 's3cret' };
    const image = await openRegistryImage(`${registry.host}/moat/private:1`, { ...isolated, env });
    expect(image.layers).toHaveLength(1);
  });
});

describe('a registry with token authentication', () => {
  let tokens: TokenServer;
  let registry: TestRegistry;

  beforeAll(async () => {
    tokens = await startTokenServer();
    registry = await startRegistry({ kind: 'token', tokenServer: tokens });
    await pushWithSkopeo(layout, 'simple', `${registry.host}/moat/tokened:1`);
  });

  afterAll(async () => {
    await registry.stop();
    await tokens.stop();
  });

  it('asks for a pull token once and reuses it for the manifest, config and layers', async () => {
    tokens.requests.length = 0;
    const image = await openRegistryImage(`${registry.host}/moat/tokened:1`, isolated);
    expect(await filesOf(image)).toEqual(simpleFiles);
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0]?.searchParams.getAll('scope')).toEqual([
      'repository:moat/tokened:pull',
    ]);
    expect(tokens.requests[0]?.searchParams.get('service')).toBe(tokens.service);
  });
});

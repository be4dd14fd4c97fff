/**
 * Clients and fixtures for end-to-end tests of `moat serve`: Debian tools run as a user runs them
 * (skopeo with its own auth file), OCI layouts built with umoci or in memory with random,
 * incompressible layers, and the checks the tests share: the bytes an image's digests name in
 * two layouts, and a walk of a blob tree that hashes every digest-named file.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { HarnessError, type TestCredentials } from './registry-harness.js';

/** What one run of a tool printed and returned. */
export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args…`; resolves with the exit code and output whatever the code. */
export function runTool(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: { ...process.env, ...options.env }, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs `command args…` and returns its stdout; a non-zero exit throws with the stderr. */
export async function mustRun(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<string> {
  const result = await runTool(command, args, options);
  if (result.code !== 0)
    throw new HarnessError(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  return result.stdout;
}

/** skopeo with an auth file of its own; TLS verified only when a certificate directory is given. */
export class Skopeo {
  constructor(
    readonly authFile: string,
    readonly certDir?: string,
  ) {}

  private tlsArgs(side: 'src' | 'dest' | 'both'): string[] {
    const sides = side === 'both' ? ['src', 'dest'] : [side];
    return sides.flatMap((s) =>
      this.certDir === undefined ? [`--${s}-tls-verify=false`] : [`--${s}-cert-dir`, this.certDir],
    );
  }

  private singleTls(): string[] {
    return this.certDir === undefined ? ['--tls-verify=false'] : ['--cert-dir', this.certDir];
  }

  /** `skopeo login` to `host` (Basic credentials; skopeo then fetches tokens itself). */
  async login(host: string, credentials: TestCredentials): Promise<void> {
    await mustRun('skopeo', [
      'login',
      '--authfile',
      this.authFile,
      ...this.singleTls(),
      '--username',
      credentials.username,
      '--password',
      credentials.password,
      host,
    ]);
  }

  /** `skopeo copy SOURCE DESTINATION` (`--all` keeps every image of an index). */
  copy(source: string, destination: string, options: { all?: boolean } = {}): Promise<ToolRun> {
    return runTool('skopeo', [
      'copy',
      '--quiet',
      '--authfile',
      this.authFile,
      ...this.tlsArgs('both'),
      ...(options.all === true ? ['--all'] : []),
      source,
      destination,
    ]);
  }

  /** Like {@link copy}, throwing when skopeo fails. */
  async mustCopy(source: string, destination: string, options: { all?: boolean } = {}) {
    const result = await this.copy(source, destination, options);
    if (result.code !== 0)
      throw new HarnessError(`skopeo copy ${source} ${destination}: ${result.stderr}`);
  }

  /** `skopeo list-tags docker://REPO` → the tags. */
  async listTags(repository: string): Promise<string[]> {
    const out = await mustRun('skopeo', [
      'list-tags',
      '--authfile',
      this.authFile,
      ...this.singleTls(),
      `docker://${repository}`,
    ]);
    return (JSON.parse(out) as { Tags: string[] }).Tags;
  }

  /** `skopeo delete docker://REFERENCE`. */
  delete(reference: string): Promise<ToolRun> {
    return runTool('skopeo', [
      'delete',
      '--authfile',
      this.authFile,
      ...this.singleTls(),
      `docker://${reference}`,
    ]);
  }
}

/** A working directory for one test file, with a skopeo auth file inside it. */
export async function makeWorkDir(prefix: string): Promise<{ dir: string; skopeo: Skopeo }> {
  const dir = await mkdtemp(join(tmpdir(), `moat-e2e-${prefix}-`));
  return { dir, skopeo: new Skopeo(join(dir, 'auth.json')) };
}

/**
 * Builds `layout:tag` with umoci, one layer per entry of `layers` (each unpack, write, repack adds
 * the files as a new layer). The layout is created when it does not exist yet.
 */
export async function buildUmociImage(
  layout: string,
  tag: string,
  layers: Array<Record<string, string>>,
): Promise<void> {
  const exists = await readFile(join(layout, 'oci-layout')).then(
    () => true,
    () => false,
  );
  if (!exists) await mustRun('umoci', ['init', '--layout', layout]);
  const ref = `${layout}:${tag}`;
  await mustRun('umoci', ['new', '--image', ref]);
  for (const files of layers) {
    const bundle = await mkdtemp(join(tmpdir(), 'moat-bundle-'));
    await rm(bundle, { recursive: true, force: true });
    await mustRun('umoci', ['unpack', '--rootless', '--image', ref, bundle]);
    for (const [path, content] of Object.entries(files)) {
      const target = join(bundle, 'rootfs', path);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await mustRun('umoci', ['repack', '--image', ref, bundle]);
    await rm(bundle, { recursive: true, force: true });
  }
}

/** A layer of `files` files of `bytesEach` random (incompressible) bytes, named after `label`. */
export function randomLayer(label: string, files: number, bytesEach: number) {
  return Array.from({ length: files }, (_, i) => ({
    path: `data/${label}/file-${i}.bin`,
    content: randomBytes(bytesEach),
  }));
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

const blobPath = (layout: string, digest: string) => join(layout, 'blobs', ...digest.split(':'));

/** The descriptor `index.json` of a layout gives for `tag`. */
export async function taggedDescriptor(layout: string, tag: string): Promise<Descriptor> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: Descriptor[];
  };
  const found = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag,
  );
  if (found === undefined) throw new HarnessError(`no ${tag} in ${layout}`);
  return found;
}

/** The bytes of blob `digest` in an OCI layout. */
export function readLayoutBlob(layout: string, digest: string): Promise<Buffer> {
  return readFile(blobPath(layout, digest));
}

/**
 * Digest → sha256 of the bytes stored under that digest, for everything `layout:tag` is made of:
 * the manifest (or index, with its children), configs and layers. Two layouts hold the same image
 * when these maps are equal. (Hashes, not the bytes: deep equality of large buffers is slow.)
 */
export async function imageBlobs(layout: string, tag: string): Promise<Map<string, string>> {
  const blobs = new Map<string, string>();
  const visit = async (digest: string): Promise<void> => {
    const bytes = await readLayoutBlob(layout, digest);
    blobs.set(digest, createHash('sha256').update(bytes).digest('hex'));
    const doc = JSON.parse(bytes.toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    for (const child of doc.manifests ?? []) await visit(child.digest);
    for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])])
      blobs.set(blob.digest, await hashFile(blobPath(layout, blob.digest)));
  };
  await visit((await taggedDescriptor(layout, tag)).digest);
  return blobs;
}

/** sha256 of a file, streamed. */
async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every file under `root` whose name is 64 hex digits (a sha256 blob in any content-addressed
 * layout): its path, the digest its name claims and the hash of its bytes.
 */
export async function digestNamedFiles(
  root: string,
): Promise<Array<{ path: string; named: string; actual: string }>> {
  const found: Array<{ path: string; named: string; actual: string }> = [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !/^[a-f0-9]{64}$/.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    found.push({ path, named: entry.name, actual: await hashFile(path) });
  }
  return found;
}

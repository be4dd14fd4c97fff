/**
 * A real Debian image for end-to-end tests: a bookworm root filesystem made by
 * `debootstrap --variant=minbase`, packed into an OCI layout by `umoci`, and converted by `skopeo`
 * into every other transport. Built once per machine and cached under the temp directory; the
 * dpkg database of the root filesystem is the oracle (`dpkg-query --admindir`).
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Paths of the Debian image in every local form. */
export interface DebianImage {
  rootfs: string;
  ociLayout: string;
  ociArchive: string;
  dockerArchive: string;
  /** Installed packages as `dpkg-query` lists them, one `name\tversion\tarch\tsrc\tsrcver` line each. */
  oracle: string[];
}

const cacheDir = process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache');

/** Builds (or reuses) the Debian image in every local transport. */
export async function debianImage(): Promise<DebianImage> {
  const dir = join(cacheDir, 'debian-bookworm-minbase');
  const image: DebianImage = {
    rootfs: join(dir, 'rootfs'),
    ociLayout: join(dir, 'oci'),
    ociArchive: join(dir, 'image.oci.tar'),
    dockerArchive: join(dir, 'image.docker.tar'),
    oracle: [],
  };
  await run(fileURLToPath(new URL('../fixtures/build-debian-image.sh', import.meta.url)), [dir], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const { stdout } = await run(
    'dpkg-query',
    [
      `--admindir=${join(image.rootfs, 'var/lib/dpkg')}`,
      '-W',
      '-f',
      '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\n',
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  image.oracle = stdout.split('\n').filter(Boolean).sort();
  return image;
}

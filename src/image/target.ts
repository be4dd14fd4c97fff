/**
 * Target strings as users type them: `docker-archive:PATH[:repo:tag]`, `oci:DIR[:tag]`,
 * `oci-archive:PATH[:tag]`, `dir:PATH`, `docker://REF`, and bare paths or references, which
 * {@link resolveTarget} tells apart by looking at the disk.
 */
import { lstat } from 'node:fs/promises';

import { InvalidInputError, MoatError } from '../errors.js';
import { defaultLimits, type Limits } from '../util/limits.js';
import { indexTar } from './tar-index.js';

/** A parsed target, by transport. */
export type TargetSpec =
  | { transport: 'docker-archive'; path: string; ref?: string }
  | { transport: 'oci'; path: string; tag?: string }
  | { transport: 'oci-archive'; path: string; tag?: string }
  | { transport: 'dir'; path: string }
  | { transport: 'registry'; reference: string };

function splitPathAndRef(rest: string): { path: string; ref?: string } {
  const colon = rest.indexOf(':');
  if (colon === -1) return { path: rest };
  const ref = rest.slice(colon + 1);
  return { path: rest.slice(0, colon), ...(ref ? { ref } : {}) };
}

/**
 * Parses a target without touching the disk; a string with no transport prefix is taken as a
 * registry reference (use {@link resolveTarget} to detect bare paths).
 * @example parseTarget('oci:./layout:v1') // { transport: 'oci', path: './layout', tag: 'v1' }
 */
export function parseTarget(target: string): TargetSpec {
  const usage = (why: string) =>
    new MoatError('USAGE', `invalid target ${JSON.stringify(target)}: ${why}`);
  if (target.startsWith('docker://')) {
    const reference = target.slice('docker://'.length);
    if (!reference) throw usage('missing image reference');
    return { transport: 'registry', reference };
  }
  const colon = target.indexOf(':');
  const prefix = colon > 0 ? target.slice(0, colon) : '';
  const rest = target.slice(colon + 1);
  switch (prefix) {
    case 'docker-archive': {
      const { path, ref } = splitPathAndRef(rest);
      if (!path) throw usage('missing path');
      return { transport: 'docker-archive', path, ...(ref ? { ref } : {}) };
    }
    case 'oci':
    case 'oci-archive': {
      const { path, ref } = splitPathAndRef(rest);
      if (!path) throw usage('missing path');
      return { transport: prefix, path, ...(ref ? { tag: ref } : {}) };
    }
    case 'dir':
      if (!rest) throw usage('missing path');
      return { transport: 'dir', path: rest };
    default:
      if (!target) throw usage('empty target');
      return { transport: 'registry', reference: target };
  }
}

const explicitPrefix = /^(docker-archive|oci|oci-archive|dir):|^docker:\/\//;

function looksLikePath(target: string): boolean {
  return /^(\/|\.\.?\/|~)/.test(target) || /\.(tar|tgz|tar\.gz)$/.test(target);
}

/**
 * Parses a target and, for bare strings, inspects the disk: a tar with `manifest.json` is a
 * docker archive, one with `oci-layout` an OCI archive; a directory with `oci-layout` is an OCI
 * layout, any other directory a rootfs; nothing on disk means a registry reference.
 * Local targets that do not exist fail with `TARGET_NOT_FOUND`.
 */
export async function resolveTarget(
  target: string,
  limits: Limits = defaultLimits,
): Promise<TargetSpec> {
  if (explicitPrefix.test(target)) {
    const spec = parseTarget(target);
    if (spec.transport !== 'registry' && !(await lstat(spec.path).catch(() => undefined))) {
      throw new MoatError('TARGET_NOT_FOUND', `${spec.path}: no such file or directory`);
    }
    return spec;
  }
  const stat = await lstat(target).catch(() => undefined);
  if (!stat) {
    if (looksLikePath(target))
      throw new MoatError('TARGET_NOT_FOUND', `${target}: no such file or directory`);
    return parseTarget(target);
  }
  if (stat.isDirectory()) {
    const layout = await lstat(`${target}/oci-layout`).catch(() => undefined);
    return layout?.isFile()
      ? { transport: 'oci', path: target }
      : { transport: 'dir', path: target };
  }
  const archive = await indexTar(target, limits);
  try {
    if (archive.members.has('manifest.json') || archive.members.has('repositories')) {
      return { transport: 'docker-archive', path: target };
    }
    if (archive.members.has('oci-layout')) return { transport: 'oci-archive', path: target };
  } finally {
    await archive.close();
  }
  throw new InvalidInputError(
    'TARGET_INVALID',
    `${target}: a tar file, but neither a docker archive nor an OCI archive`,
  );
}

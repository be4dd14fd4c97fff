/**
 * Where a command's result goes: stdout, or `--output FILE` written atomically
 * (`util/atomic-write.ts`). Before any work, {@link refuseOutputOverInput} makes sure the output
 * is none of the command's inputs (target, ignore file, VEX documents, database, key, caches):
 * overwriting one would destroy what the user meant to read. Files are compared by device and
 * inode (hard links, symbolic links, `./a` vs `a`) and, for paths that do not exist yet, by
 * their resolved path; an output inside an input directory (a `dir:` target, an OCI layout, the
 * cache directory) counts as overwriting it.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { MoatError } from '../errors.js';
import { resolveTarget } from '../image/target.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { describeFsError, isEnvironmentFsError } from '../util/fs-errors.js';
import type { CliIo } from './io.js';
import type { OutputOptions } from './options.js';

/** One input of a command, named for the error message. */
export interface NamedInput {
  /** What it is, e.g. `target`, `--ignorefile`, `vulnerability database`. */
  what: string;
  path: string;
}

/** The files or directory a target reads (none for a registry reference). */
export async function targetInputs(target: string): Promise<NamedInput[]> {
  const spec = await resolveTarget(target).catch(() => undefined);
  return spec === undefined || spec.transport === 'registry'
    ? []
    : [{ what: 'target', path: spec.path }];
}

/** A path resolved through the symbolic links of its existing part. */
async function canonical(path: string): Promise<string> {
  const full = resolve(path);
  const real = await realpath(full).catch(() => undefined);
  if (real !== undefined) return real;
  const parent = dirname(full);
  return parent === full ? full : join(await canonical(parent), basename(full));
}

function inside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

/** Throws `OUTPUT_IS_INPUT` when writing `output` would overwrite one of `inputs`. */
export async function refuseOutputOverInput(
  output: string | undefined,
  inputs: readonly NamedInput[],
): Promise<void> {
  if (output === undefined) return;
  const outStat = await stat(output).catch(() => undefined);
  // Writing to a device or FIFO (/dev/null, /dev/stdout) replaces nothing.
  if (outStat !== undefined && !outStat.isFile()) return;
  const outPath = await canonical(output);
  for (const input of inputs) {
    const inStat = await stat(input.path).catch(() => undefined);
    const sameFile =
      outStat !== undefined &&
      inStat !== undefined &&
      outStat.dev === inStat.dev &&
      outStat.ino === inStat.ino;
    const inPath = await canonical(input.path);
    const within = inStat?.isDirectory() === true ? inside(outPath, inPath) : outPath === inPath;
    if (sameFile || within) {
      throw new MoatError(
        'OUTPUT_IS_INPUT',
        `--output ${output} would overwrite the ${input.what} ${input.path}`,
      );
    }
  }
}

/** Writes a command's result to `--output` (atomically) or to stdout. */
export async function writeResult(text: string, output: OutputOptions, io: CliIo): Promise<void> {
  if (output.file === undefined) {
    io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    return;
  }
  try {
    await writeFileAtomic(output.file, text);
  } catch (cause) {
    if (!isEnvironmentFsError(cause)) throw cause;
    throw new MoatError('ENVIRONMENT', `cannot write ${output.file}: ${describeFsError(cause)}`, {
      cause,
    });
  }
}

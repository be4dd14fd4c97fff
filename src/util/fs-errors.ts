/**
 * Plain words for the file-system errors the environment causes (a read-only or full disk, a
 * missing directory, missing permission), so the CLI can print one line naming the path and the
 * cause instead of a stack. Errors of other kinds are not described: they are Moat's to explain.
 */

const causes: Record<string, string> = {
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EBUSY: 'device or resource busy',
  ETXTBSY: 'text file busy',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
};

/** A Node.js file-system error: its `code` and, for most, the `path` it concerns. */
export type FsError = NodeJS.ErrnoException & { code: string };

/** True for an error the environment caused, which {@link describeFsError} can put in words. */
export function isEnvironmentFsError(error: unknown): error is FsError {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && code in causes;
}

/** The plain cause of an environment error, e.g. `read-only file system`. */
export function describeFsError(error: FsError): string {
  return causes[error.code] ?? error.code;
}

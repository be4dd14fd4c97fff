/**
 * Normalising paths stored in layer tars. Paths are resolved lexically against the image root;
 * anything that would land outside the root (`../x`, `a/../../x`) or contains NUL is unsafe and
 * the caller skips it. Leading `/` and `./` are dropped: layers store both forms.
 */

/** The normalised path (`a/b`), `''` for the root itself, or undefined when unsafe. */
export function normaliseEntryPath(raw: string): string | undefined {
  if (raw.includes('\0')) return undefined;
  const parts: string[] = [];
  for (const part of raw.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

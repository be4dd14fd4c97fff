/**
 * A small RFC 6902 applier (test, replace, add, remove over RFC 6901 pointers) written from the
 * RFC, for the tests that check what the API server would do with the mutating webhook's patch.
 */

type Json = unknown;

function unescape(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

function parent(document: Json, path: string): { container: Json; key: string } {
  if (!path.startsWith('/')) throw new Error(`bad pointer ${path}`);
  const tokens = path.slice(1).split('/').map(unescape);
  const key = tokens.pop() ?? '';
  let node = document;
  for (const token of tokens) {
    if (typeof node !== 'object' || node === null) throw new Error(`no ${path}`);
    node = (node as Record<string, Json>)[token];
  }
  if (typeof node !== 'object' || node === null) throw new Error(`no ${path}`);
  return { container: node, key };
}

/** Applies `operations` to a deep copy of `document`; throws when a `test` fails or a path is missing. */
export function applyJsonPatch<T>(document: T, operations: readonly Record<string, unknown>[]): T {
  const copy = structuredClone(document) as Json;
  for (const operation of operations) {
    const { container, key } = parent(copy, String(operation.path));
    const record = container as Record<string, Json>;
    switch (operation.op) {
      case 'test':
        if (JSON.stringify(record[key]) !== JSON.stringify(operation.value)) {
          throw new Error(`test failed at ${String(operation.path)}`);
        }
        break;
      case 'replace':
        if (!(key in record)) throw new Error(`no ${String(operation.path)} to replace`);
        record[key] = operation.value;
        break;
      case 'add':
        if (Array.isArray(container))
          container.splice(key === '-' ? container.length : Number(key), 0, operation.value);
        else record[key] = operation.value;
        break;
      case 'remove':
        if (Array.isArray(container)) container.splice(Number(key), 1);
        else delete record[key];
        break;
      default:
        throw new Error(`unsupported op ${String(operation.op)}`);
    }
  }
  return copy as T;
}

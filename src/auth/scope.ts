/**
 * Token scopes as the Docker token spec writes them: `repository:team/app:pull,push`,
 * `registry:catalog:*`. Parsing is strict about shape and lengths (untrusted query strings) and
 * lenient about content: an unknown resource type or action is dropped, so that asking for more
 * yields less rather than an error.
 */
import { MoatError } from '../errors.js';
import type { AccessScope, RepositoryAction } from './types.js';

/** Most scopes honoured in one token request. */
export const maxScopesPerRequest = 32;
/** Longest scope string accepted. */
const maxScopeLength = 512;
/** The OCI distribution spec's repository name grammar (path components separated by `/`). */
const repositoryName =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const maxRepositoryNameLength = 255;
/** `repository`, or `repository(plugin)`: the spec's resource type with an optional class. */
const resourceType = /^[a-z0-9]+(?:\([a-z0-9]+\))?$/;
const repositoryActions: readonly RepositoryAction[] = ['pull', 'push', 'delete'];

/**
 * What a client asked for in one scope: the repository actions may include `*` (every action,
 * as Distribution reads it).
 */
export type RequestedScope =
  | { type: 'repository'; name: string; actions: (RepositoryAction | '*')[] }
  | { type: 'registry'; name: 'catalog'; actions: '*'[] };

/** Thrown for a scope string that is not `type:name:actions` (the token endpoint answers 400). */
export class ScopeSyntaxError extends MoatError<'USAGE'> {
  override name = 'ScopeSyntaxError';
  constructor(message: string) {
    super('USAGE', message);
  }
}

/**
 * Parses one `scope` parameter (which may hold several space-separated scopes, as OAuth2 writes
 * them). Unknown types and actions are left out; a malformed scope throws {@link ScopeSyntaxError}.
 */
export function parseScopes(parameter: string): RequestedScope[] {
  const scopes: RequestedScope[] = [];
  for (const text of parameter.split(' ')) {
    if (text === '') continue;
    const scope = parseScope(text);
    if (scope) scopes.push(scope);
  }
  return scopes;
}

function parseScope(text: string): RequestedScope | undefined {
  if (text.length > maxScopeLength) throw new ScopeSyntaxError('scope too long');
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) throw new ScopeSyntaxError('scope is not type:name:actions');
  const type = text.slice(0, first);
  const name = text.slice(first + 1, last);
  const actions = text.slice(last + 1).split(',');
  if (!resourceType.test(type) || name === '') {
    throw new ScopeSyntaxError('scope is not type:name:actions');
  }
  if (type === 'repository') {
    if (name.length > maxRepositoryNameLength || !repositoryName.test(name)) {
      throw new ScopeSyntaxError('scope names an invalid repository');
    }
    const known = actions.filter(
      (action): action is RepositoryAction | '*' =>
        action === '*' || (repositoryActions as readonly string[]).includes(action),
    );
    return { type, name, actions: [...new Set(known)] };
  }
  if (type === 'registry' && name === 'catalog' && actions.includes('*')) {
    return { type, name, actions: ['*'] };
  }
  return undefined;
}

/**
 * Merges scopes on the same resource (a client may repeat `scope=`) and keeps at most
 * {@link maxScopesPerRequest} resources (more throws {@link ScopeSyntaxError}).
 */
export function mergeScopes(scopes: RequestedScope[]): RequestedScope[] {
  const byResource = new Map<string, RequestedScope>();
  for (const scope of scopes) {
    const key = `${scope.type}:${scope.name}`;
    const seen = byResource.get(key);
    if (!seen) {
      byResource.set(key, { ...scope, actions: [...scope.actions] } as RequestedScope);
    } else if (seen.type === 'repository' && scope.type === 'repository') {
      for (const action of scope.actions) {
        if (!seen.actions.includes(action)) seen.actions.push(action);
      }
    }
    if (byResource.size > maxScopesPerRequest) {
      throw new ScopeSyntaxError(`more than ${maxScopesPerRequest} scopes in one request`);
    }
  }
  return [...byResource.values()];
}

/** The scope as the spec writes it, e.g. `repository:team/app:pull,push`. */
export function formatScope(scope: AccessScope | RequestedScope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

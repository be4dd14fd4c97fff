/**
 * The authorisation decision, in one place: which of the actions a scope asks for a principal
 * may take. Issue 10 knows one user, the bootstrap administrator, who may do everything; anonymous
 * access is off. Issue 11 (projects, roles, robots) replaces this function and nothing else.
 */
import type { RequestedScope } from './scope.js';
import type { Principal } from './types.js';

/** The bootstrap administrator's user name. */
export const adminUserName = 'admin';

/**
 * The part of `scope` that `principal` may do: the same resource with the granted actions (in the
 * order asked), possibly none.
 *
 * @example
 * decide({ kind: 'user', name: 'admin' }, { type: 'repository', name: 'a', actions: ['pull'] });
 * // → { type: 'repository', name: 'a', actions: ['pull'] }
 */
export function decide(principal: Principal, scope: RequestedScope): RequestedScope {
  const isAdmin = principal.kind === 'user' && principal.name === adminUserName;
  if (isAdmin) return scope;
  return { ...scope, actions: [] };
}

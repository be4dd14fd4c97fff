/**
 * Moat's library entry: the stage APIs the CLI and server are built from.
 */
export * from './errors.js';
export { defaultLimits, type Limits } from './util/limits.js';
export type * from './image/types.js';
export type * from './catalog/types.js';

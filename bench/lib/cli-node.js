// How the `moat` executable starts Node, read from its shebang (bin/moat.cjs), so a benchmark can
// run library code in a process set up as the CLI's is.
import { readFileSync } from 'node:fs';

/**
 * The environment variables and Node options of `bin` 's `#!/usr/bin/env -S VAR=… node OPTIONS`
 * line.
 * @example cliNode('bin/moat.cjs') // { env: { MALLOC_ARENA_MAX: '1', … }, args: ['--v8-pool-size=1'] }
 */
export function cliNode(bin) {
  const line = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const words = line
    .replace(/^#!\S*env\s+-S\s+/, '')
    .split(/\s+/)
    .filter(Boolean);
  const node = words.indexOf('node');
  if (!line.startsWith('#!') || node < 0) throw new Error(`${bin}: no env -S … node shebang`);
  const env = Object.fromEntries(words.slice(0, node).map((word) => word.split(/=(.*)/s, 2)));
  return { env, args: words.slice(node + 1) };
}

import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defineConfig } from 'vitest/config';

// Tests never touch the user's ~/.cache/moat: the layer cache and database default to here.
const cacheDir = join(tmpdir(), `moat-test-cache-${process.pid}`);

// Two projects: `unit` needs only Node; `e2e` needs Debian tools (skopeo, umoci, debootstrap, rpm,
// docker-registry) that .ci/run installs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env: { MOAT_CACHE_DIR: cacheDir },
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          env: { MOAT_CACHE_DIR: cacheDir },
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

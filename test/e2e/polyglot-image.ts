/**
 * The four-layer polyglot image built by test/fixtures/build-polyglot-image.sh (Debian base,
 * Debian packages with Ruby, Java and Python, a Node app, a dpkg status rewrite) and the oracles
 * the packages' own tools wrote while it was built. Built once per machine and cached.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A gemspec RubyGems loaded from the image. */
export interface OracleGem {
  name: string;
  version: string;
  path: string;
  default: boolean;
}

/** A JAR file of /usr/share/java with the Maven coordinates of the Debian poms linking to it. */
export interface OracleJar {
  path: string;
  maven: { groupId: string; artifactId: string; version: string }[];
}

/** A node of `npm ls --all --json`: a missing optional dependency has no version. */
export interface NpmLsNode {
  version?: string;
  dependencies?: Record<string, NpmLsNode>;
}

/** The image and what the packages' own tools say is in it. */
export interface PolyglotImage {
  /** `oci:DIR:polyglot` for `moat`. */
  target: string;
  /** Layer digests of the image, bottom first. */
  layers: string[];
  /** `name\tversion\tarch` of every dpkg package after each layer, as `dpkg-query` lists it. */
  dpkgAfterLayer: string[][];
  npmAll: NpmLsNode;
  npmProd: NpmLsNode;
  gems: OracleGem[];
  python: { name: string; version: string }[];
  jars: OracleJar[];
  /** `go version -m` of /app/node_modules/@esbuild/linux-x64/bin/esbuild. */
  goEsbuild: string;
}

/** The path of the Go executable esbuild's linux-x64 package ships. */
export const esbuildBinary = '/app/node_modules/@esbuild/linux-x64/bin/esbuild';

const cacheDir = process.env.MOAT_E2E_CACHE ?? join(tmpdir(), 'moat-e2e-cache');

/** Builds (or reuses) the polyglot image and reads its oracles. */
export async function polyglotImage(): Promise<PolyglotImage> {
  const dir = join(cacheDir, 'polyglot');
  const script = fileURLToPath(new URL('../fixtures/build-polyglot-image.sh', import.meta.url));
  await run(script, [dir, join(cacheDir, 'debian-bookworm-minbase')], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const text = (name: string) => readFile(join(dir, 'oracle', name), 'utf8');
  const json = async <T>(name: string) => JSON.parse(await text(name)) as T;
  const layout = join(dir, 'oci');
  const blob = (digest: string) => join(layout, 'blobs', ...digest.split(':'));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations?: Record<string, string> }[];
  };
  const entry = index.manifests.find(
    (m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'polyglot',
  );
  if (!entry) throw new Error(`${layout} has no image tagged polyglot`);
  const manifest = JSON.parse(await readFile(blob(entry.digest), 'utf8')) as {
    layers: { digest: string }[];
  };
  const dpkgAfterLayer: string[][] = [];
  for (let n = 1; n <= manifest.layers.length; n++)
    // Sorted here: `sort` in the builder follows the machine's locale.
    dpkgAfterLayer.push((await text(`dpkg-layer-${n}.tsv`)).split('\n').filter(Boolean).sort());
  return {
    target: `oci:${layout}:polyglot`,
    layers: manifest.layers.map((l) => l.digest),
    dpkgAfterLayer,
    npmAll: await json('npm-ls.json'),
    npmProd: await json('npm-ls-prod.json'),
    gems: await json('gems.json'),
    python: await json('python.json'),
    jars: await json('jars.json'),
    goEsbuild: await text('go-esbuild.txt'),
  };
}

/** Every installed package of an `npm ls --json` tree as `name@version`, sorted, once each. */
export function npmLsPackages(tree: NpmLsNode): string[] {
  const found = new Set<string>();
  const walk = (deps: Record<string, NpmLsNode> = {}) => {
    for (const [name, node] of Object.entries(deps)) {
      // npm ls shows an optional dependency for another platform as `{}`: not installed.
      if (node.version === undefined) continue;
      found.add(`${name}@${node.version}`);
      walk(node.dependencies);
    }
  };
  walk(tree.dependencies);
  return [...found].sort();
}

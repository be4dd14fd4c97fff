/**
 * `moat sbom` on a four-layer image built the real way (test/fixtures/build-polyglot-image.sh):
 * the debootstrapped Debian base; Debian packages added by `dpkg -i` (ruby with its default gems,
 * Java libraries, python3-urllib3); a Node app installed by `npm install` with optional platform
 * packages and a dev dependency; and a layer that only rewrites /var/lib/dpkg/status. Every
 * package set and layer is compared with what the packages' own tools reported while the image
 * was built: dpkg-query after each layer, `npm ls`, RubyGems, importlib.metadata, the Debian
 * Maven poms and `go version -m`.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { moat } from './cli.js';
import {
  esbuildBinary,
  npmLsPackages,
  polyglotImage,
  type PolyglotImage,
} from './polyglot-image.js';
import { requireTools } from './require-tools.js';

requireTools(['debootstrap', 'umoci', 'skopeo', 'dpkg', 'dpkg-query', 'apt-get']);
requireTools(['npm', 'ruby', 'python3', 'go']);

interface ReportPackage {
  name: string;
  namespace?: string | null;
  version: string;
  type: string;
  arch?: string;
  purl: string;
  path: string;
  layer?: { digest: string };
  metadata?: Record<string, unknown> | null;
  dev?: boolean;
}

interface Report {
  artifact: { layers: { digest: string }[] };
  packages: ReportPackage[];
}

/** What is missing from and what is extra in `actual`, compared with `expected`. */
function difference(actual: string[], expected: string[]) {
  const have = new Set(actual);
  const want = new Set(expected);
  return {
    missing: [...want].filter((x) => !have.has(x)).sort(),
    unexpected: [...have].filter((x) => !want.has(x)).sort(),
  };
}

const fullName = (p: ReportPackage) => (p.namespace ? `${p.namespace}/${p.name}` : p.name);
const underApp = (p: ReportPackage) => p.path.startsWith('/app/');

describe('moat sbom on a polyglot image built with dpkg, npm and umoci', () => {
  let image: PolyglotImage;
  let stdout = '';
  let failure = '';
  /** `layer N (sha256:…)` for a layer digest, so a wrong layer reads clearly in a diff. */
  let layerName: (digest: string | undefined) => string;

  beforeAll(async () => {
    image = await polyglotImage();
    layerName = (digest) => {
      if (digest === undefined) return 'no layer';
      const n = image.layers.indexOf(digest);
      return n < 0 ? `no image layer (${digest})` : `layer ${n + 1} (${digest.slice(0, 19)}…)`;
    };
    const run = await moat(['sbom', image.target, '--format', 'json', '--quiet']);
    stdout = run.stdout;
    if (run.code !== 0 || run.stderr !== '')
      failure = `moat exited ${run.code}: ${run.stderr.split('\n').slice(0, 3).join(' | ')}`;
  });

  /** The report, or a failure naming why `moat` did not produce one. */
  function report(): Report {
    if (failure) throw new Error(failure);
    return JSON.parse(stdout) as Report;
  }
  const packagesOf = (type: string) => report().packages.filter((p) => p.type === type);
  /** `name: expected layer N, got layer M` for each package not from layer `n` (1-based). */
  const notFromLayer = (packages: ReportPackage[], n: number) =>
    packages
      .filter((p) => p.layer?.digest !== image.layers[n - 1])
      .map(
        (p) =>
          `${fullName(p)} (${p.path}): expected ${layerName(image.layers[n - 1])}, got ${layerName(p.layer?.digest)}`,
      );

  it('runs to the end: no internal error, nothing on stderr, exit 0', () => {
    expect(failure).toBe('');
  });

  it('reports the four layers of the image in order', () => {
    expect(report().artifact.layers.map((l) => l.digest)).toEqual(image.layers);
  });

  it('lists exactly the Debian packages dpkg-query lists', () => {
    const lines = packagesOf('deb').map((p) => `${p.name}\t${p.version}\t${p.arch ?? ''}`);
    expect(lines.sort()).toEqual(image.dpkgAfterLayer.at(-1));
  });

  it('attributes each Debian package to the layer that installed it, not to a status rewrite', () => {
    // The first layer after which dpkg-query lists the package with its final version.
    const installedIn = new Map(
      (image.dpkgAfterLayer.at(-1) ?? []).map((line) => {
        const [name, , arch] = line.split('\t');
        const n = image.dpkgAfterLayer.findIndex((layer) => layer.includes(line));
        return [`${name}:${arch}`, image.layers[n]];
      }),
    );
    const wrong = packagesOf('deb').flatMap((p) => {
      const want = installedIn.get(`${p.name}:${p.arch ?? ''}`);
      return p.layer?.digest === want
        ? []
        : [`${p.name}: expected ${layerName(want)}, got ${layerName(p.layer?.digest)}`];
    });
    expect(wrong.sort()).toEqual([]);
  });

  describe('the Node app in /app', () => {
    const npmApp = () => packagesOf('npm').filter(underApp);

    it('lists each installed package once, as npm ls does: no other platforms from the lockfile', () => {
      const id = (p: ReportPackage) => `${fullName(p)}@${p.version}`;
      const actual = npmApp().map(id);
      // Once each: the lockfile entry of an installed package is the same package.
      const duplicates = [...new Set(actual.filter((x, i) => actual.indexOf(x) !== i))].map(
        (dup) =>
          `${dup}: ${npmApp()
            .filter((p) => id(p) === dup)
            .map((p) => p.path)
            .join(', ')}`,
      );
      expect({ ...difference(actual, npmLsPackages(image.npmAll)), duplicates }).toEqual({
        missing: [],
        unexpected: [],
        duplicates: [],
      });
    });

    it('marks the dev dependencies as dev and only those (npm ls --omit=dev)', () => {
      const prod = new Set(npmLsPackages(image.npmProd));
      const expected = npmLsPackages(image.npmAll).map(
        (id) => `${id} ${prod.has(id) ? 'prod' : 'dev'}`,
      );
      const actual = npmApp().map(
        (p) => `${fullName(p)}@${p.version} ${p.dev === true ? 'dev' : 'prod'}`,
      );
      expect([...new Set(actual)].sort()).toEqual(expected);
    });

    it('attributes the app to layer 3, where npm installed it', () => {
      expect(notFromLayer(npmApp(), 3)).toEqual([]);
    });

    it('lists the Go modules of the esbuild executable as go version -m does', () => {
      const expected = image.goEsbuild
        .split('\n')
        .map((line) => line.trim().split('\t'))
        .filter(([kind]) => kind === 'mod' || kind === 'dep')
        .map(([, path, version]) => `${path}@${version}`);
      const goVersion = /: go(\S+)/.exec(image.goEsbuild)?.[1];
      expected.push(`stdlib@${goVersion}`);
      const actual = packagesOf('golang')
        .filter((p) => p.path === esbuildBinary)
        .map((p) => `${p.name}@${p.version}`);
      expect(actual.sort()).toEqual(expected.sort());
    });
  });

  it('reports no npm package outside the installed node_modules of /app', () => {
    // Only /app has node_modules; a package-lock.json elsewhere (typeprof's vscode extension
    // inside the ruby gem) lists packages that are not installed.
    const outside = packagesOf('npm')
      .filter((p) => !underApp(p))
      .map((p) => `${fullName(p)}@${p.version} (${p.path})`);
    expect(outside.sort()).toEqual([]);
  });

  describe('Ruby', () => {
    it('lists every gem RubyGems loads, default gems included, with its version', () => {
      const actual = packagesOf('gem').map((p) => `${p.name}@${p.version}`);
      const expected = image.gems.map((g) => `${g.name}@${g.version}`);
      expect(difference(actual, expected).missing).toEqual([]);
    });

    it('reports no gem that RubyGems does not know (a Gemfile.lock inside a gem is not installed)', () => {
      const known = new Set(image.gems.map((g) => `${g.name}@${g.version}`));
      const unknown = packagesOf('gem')
        .filter((p) => !known.has(`${p.name}@${p.version}`))
        .map((p) => `${p.name}@${p.version} (${p.path})`);
      expect(unknown.sort()).toEqual([]);
    });

    it('attributes the gems to layer 2, where dpkg installed ruby', () => {
      expect(notFromLayer(packagesOf('gem'), 2)).toEqual([]);
    });
  });

  it('lists the Python distributions importlib.metadata finds, in layer 2', () => {
    const actual = packagesOf('pypi').map((p) => `${p.name}@${p.version}`);
    expect(actual.sort()).toEqual(image.python.map((d) => `${d.name}@${d.version}`).sort());
    expect(notFromLayer(packagesOf('pypi'), 2)).toEqual([]);
  });

  it('reports each Debian JAR with the Maven coordinates of the Debian pom that names it', () => {
    const maven = packagesOf('maven');
    const rows = image.jars.map((jar) => {
      const accepted = jar.maven.map((c) => `pkg:maven/${c.groupId}/${c.artifactId}@${c.version}`);
      const ours = maven.filter((p) => p.path === jar.path).map((p) => p.purl);
      // A JAR Debian gives several coordinates (jsr305: 0.1-SNAPSHOT and 0.x) may carry any one.
      const match = ours.find((purl) => accepted.includes(purl));
      return {
        expected: `${jar.path}: ${match ?? accepted[0] ?? '(no Debian pom)'}`,
        actual: `${jar.path}: ${match ?? (ours.join(' ') || '(not reported)')}`,
      };
    });
    expect(rows.map((r) => r.actual)).toEqual(rows.map((r) => r.expected));
  });
});

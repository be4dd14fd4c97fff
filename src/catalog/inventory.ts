/**
 * `catalogImage`: one walk over an image's layers with every analyzer, then the flattened results
 * turned into an {@link Inventory} — OS chosen, purls assigned, packages sorted.
 */
import type { Image } from '../image/types.js';
import { walkImage, type WalkedFile } from '../image/walker.js';
import type { Limits } from '../util/limits.js';
import { compareText } from '../util/order.js';
import { defaultAnalyzers } from './analyzers.js';
import { FileCapture } from './capture.js';
import { analysisFingerprint, cacheRecorder, type LayerCache } from './layer-cache.js';
import { createScanContext } from './context.js';
import { reconcileInstalled } from './installed.js';
import { OriginFinder } from './origin.js';
import { applyMavenRepoIdentities } from './lang/java/maven-repo.js';
import { linkOsOwnedPackages } from './os/dpkg-files.js';
import { purlOrWarning } from './purl-warning.js';
import type { AnalysisResult, Analyzer, Inventory, OsInfo, Package } from './types.js';

/** Options for {@link catalogImage}. */
export interface CatalogOptions {
  analyzers?: readonly Analyzer[];
  limits?: Partial<Limits>;
  onWarning?: (message: string) => void;
  /** Called before each layer is read (for progress display); `cached` when it was not read. */
  onLayer?: (index: number, total: number, cached: boolean) => void;
  /** Per-layer analysis cache: layers found there are not read again. */
  layerCache?: LayerCache;
  /** Keep development dependencies that only a lockfile lists (Trivy's `--include-dev-deps`). */
  includeDevDeps?: boolean;
  /** Fixed clock for reproducible output (tests). */
  now?: Date;
}

/**
 * Lists every package in `image`, reading each layer once.
 *
 * @example
 * const image = await openImage('docker-archive:debian.tar');
 * try { console.log((await catalogImage(image)).packages.length); } finally { await image.close(); }
 */
export async function catalogImage(image: Image, options: CatalogOptions = {}): Promise<Inventory> {
  const ctx = createScanContext(options);
  const analyzers = options.analyzers ?? defaultAnalyzers();
  const capture = new FileCapture(analyzers, ctx);
  const recorder = options.layerCache
    ? cacheRecorder(options.layerCache, analysisFingerprint(analyzers, ctx.limits), {
        list: ctx.warnings,
        warn: (message) => ctx.warn(message),
      })
    : undefined;
  try {
    const walk = await walkImage(image, capture.visit, {
      maxSymlinkHops: ctx.limits.maxSymlinkHops,
      ...(recorder ? { recorder } : {}),
      onLayer: (layer, total, cached) => {
        recorder?.startLayer();
        options.onLayer?.(layer.index, total, cached);
      },
    });
    const os = chooseOs(walk.files);
    applyMavenRepoIdentities(walk.files, (path) => walk.resolve(path));
    const packages = reconcileInstalled(
      collectPackages(walk.files, os, image.transport === 'dir', (message) => ctx.warn(message)),
      { includeDevDeps: options.includeDevDeps === true },
    );
    linkOsOwnedPackages(packages, walk.files, (path) => walk.resolve(path));
    const warnings = [...ctx.warnings];
    for (const file of walk.files) {
      for (const result of file.result) for (const w of result.warnings ?? []) warnings.push(w);
    }
    const labels = image.config.config?.Labels ?? {};
    const diffIds = image.config.rootfs?.diff_ids ?? [];
    const history = (image.config.history ?? []).filter((h) => !h.empty_layer);
    return {
      target: image.name,
      artifact: {
        kind: image.transport === 'dir' ? 'filesystem' : 'container_image',
        name: artifactName(image),
        transport: image.transport,
        ...(image.manifestDigest ? { manifestDigest: image.manifestDigest } : {}),
        ...(image.configDigest ? { configDigest: image.configDigest } : {}),
        repoTags: [...image.repoTags],
        ...(image.config.os && image.config.architecture
          ? {
              platform: {
                os: image.config.os,
                architecture: image.config.architecture,
                ...(image.config.variant ? { variant: image.config.variant } : {}),
              },
            }
          : {}),
        ...(os ? { os } : {}),
        layers:
          image.transport === 'dir'
            ? []
            : image.layers.map((layer, i) => ({
                digest: layer.digest,
                size: layer.size,
                mediaType: layer.mediaType,
                ...((layer.diffId ?? diffIds[i]) ? { diffId: layer.diffId ?? diffIds[i] } : {}),
                ...(history[i]?.created_by ? { createdBy: history[i]?.created_by } : {}),
              })),
        labels,
      },
      packages,
      warnings,
      createdAt: (options.now ?? new Date()).toISOString(),
    };
  } finally {
    await capture.settle();
    await ctx.dispose();
  }
}

/** The OS named by the highest-priority release file left in the image (later layer on a tie). */
function chooseOs(files: WalkedFile<AnalysisResult[]>[]): OsInfo | undefined {
  let best: (OsInfo & { priority: number }) | undefined;
  for (const file of files) {
    for (const result of file.result) {
      if (result.os && (!best || result.os.priority >= best.priority)) best = result.os;
    }
  }
  if (!best) return undefined;
  const { priority: _priority, ...os } = best;
  return os;
}

function collectPackages(
  files: WalkedFile<AnalysisResult[]>[],
  os: OsInfo | undefined,
  isRootfs: boolean,
  warn: (message: string) => void,
): Package[] {
  const packages: Package[] = [];
  const extraLicenses = new Map<string, string[]>();
  for (const file of files) {
    for (const result of file.result) {
      for (const entry of result.licenses ?? []) {
        extraLicenses.set(`${entry.type}/${entry.name}`, entry.licenses);
      }
    }
  }
  // Hard links share one analysis result (the walker reuses it): their packages are reported
  // once, with every name of the file as a location.
  const byResult = new Map<AnalysisResult[], { path: string; packages: Package[] }>();
  for (const file of files) {
    const linked = byResult.get(file.result);
    if (linked) {
      // A package whose path the analyzer set (an archive member) names no file of its own.
      for (const pkg of linked.packages) {
        if (pkg.path === linked.path) (pkg.locations ??= [pkg.path]).push(`/${file.path}`);
      }
      continue;
    }
    const origins = new OriginFinder(file);
    const own: Package[] = [];
    for (const result of file.result) {
      for (const found of result.packages ?? []) {
        const extra = extraLicenses.get(`${found.type}/${found.name}`) ?? [];
        const path = `/${found.path ?? file.path}`;
        const purl = purlOrWarning(found, os, path, warn);
        own.push({
          ...found,
          licenses: [...new Set([...found.licenses, ...extra])],
          ...(purl === undefined ? {} : { purl }),
          path,
          ...(isRootfs ? {} : { layerDigest: origins.layerOf(found).digest }),
        });
      }
    }
    byResult.set(file.result, { path: `/${file.path}`, packages: own });
    for (const pkg of own) packages.push(pkg);
  }
  // Code-unit order, not localeCompare: the same on every machine whatever its locale.
  return packages.sort(
    (a, b) =>
      compareText(a.type, b.type) ||
      compareText(a.name, b.name) ||
      compareText(a.version, b.version) ||
      compareText(a.path, b.path),
  );
}

/** The repository part of the first tag, else the target without its transport. */
function artifactName(image: Image): string {
  const tag = image.repoTags[0];
  if (tag) {
    const at = tag.indexOf('@');
    const withoutDigest = at >= 0 ? tag.slice(0, at) : tag;
    const colon = withoutDigest.lastIndexOf(':');
    return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
  }
  return image.name.replace(/^(docker-archive|oci-archive|oci|dir|docker):(\/\/)?/, '');
}

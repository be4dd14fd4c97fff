/**
 * The layer a package came from. A package database or lockfile is rewritten whole by every layer
 * that installs anything, so the layer of the surviving file is not where most of its entries
 * came from. A package belongs to the lowest layer from which every version of its file, up to the
 * final one, listed it with the same identity (name, version, architecture): the layer where that
 * exact package first appeared, as Trivy attributes it. An upgrade (a new version) or a gap in the
 * file's history starts it afresh.
 */
import type { FileVersion, LayerPosition, WalkedFile } from '../image/walker.js';
import type { AnalysisResult, FoundPackage } from './types.js';

/** What makes two entries of successive versions of one file the same package. */
export function packageIdentity(pkg: FoundPackage): string {
  return JSON.stringify([
    pkg.type,
    pkg.namespace ?? '',
    pkg.name,
    pkg.version,
    pkg.arch ?? '',
    pkg.path ?? '',
  ]);
}

/** Finds, for packages of one walked file, the layer each first appeared in. */
export class OriginFinder {
  /** Identities listed by each earlier version, built on first need (newest last). */
  private readonly listed: Array<Set<string> | undefined>;

  constructor(private readonly file: WalkedFile<AnalysisResult[]>) {
    this.listed = file.earlier.map(() => undefined);
  }

  /** The layer `pkg` (from the file's final version) first appeared in. */
  layerOf(pkg: FoundPackage): LayerPosition {
    const { earlier } = this.file;
    if (earlier.length === 0) return this.file.layer;
    const identity = packageIdentity(pkg);
    let layer = this.file.layer;
    for (let i = earlier.length - 1; i >= 0; i--) {
      const version = earlier[i] as FileVersion<AnalysisResult[]>;
      if (!this.identities(i, version).has(identity)) break;
      layer = version.layer;
    }
    return layer;
  }

  private identities(index: number, version: FileVersion<AnalysisResult[]>): Set<string> {
    let set = this.listed[index];
    if (!set) {
      set = new Set();
      for (const result of version.result) {
        for (const pkg of result.packages ?? []) set.add(packageIdentity(pkg));
      }
      this.listed[index] = set;
    }
    return set;
  }
}

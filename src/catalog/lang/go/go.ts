/**
 * The Go binary cataloger: reads the build info Go links into every executable and reports the
 * standard library, the main module and each dependency module as `golang` packages.
 */
import type { AnalysisResult } from '../../types.js';
import type { ElfFile } from '../elf/elf.js';
import { readGoBuildInfo } from './go-buildinfo.js';
import { goPackages, parseGoModInfo } from './go-modinfo.js';

/** Extracts Go packages from a parsed ELF file; empty when it is not a Go program. */
export async function goPackagesFromElf(elf: ElfFile, path: string): Promise<AnalysisResult> {
  const buildInfo = await readGoBuildInfo(elf);
  if (!buildInfo) return {};
  const info = parseGoModInfo(buildInfo.modinfo);
  const result: AnalysisResult = { packages: goPackages(buildInfo.goVersion, info) };
  if (info.problems.length > 0) {
    result.warnings = [`${path}: Go build info: ${info.problems.slice(0, 5).join('; ')}`];
  }
  return result;
}

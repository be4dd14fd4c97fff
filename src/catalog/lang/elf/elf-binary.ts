/**
 * One analyzer for every ELF executable: the file is opened and its headers parsed once, then
 * each extractor (Go build info, cargo-auditable) reads what it needs. Most executables in an
 * image are neither, so parsing twice would double the cost of the commonest spooled file.
 */
import type { AnalysisResult, SpoolAnalyzer } from '../../types.js';
import { ELF_MAGIC, type ElfFile } from './elf.js';
import { analyzeElf, isExecutableCandidate } from './elf-analysis.js';
import { describeFailure } from '../failure.js';
import { goPackagesFromElf } from '../go/go.js';
import { GO_BUILDINFO_MAGIC } from '../go/go-buildinfo.js';
import { RUST_AUDIT_SECTION, rustPackagesFromElf } from '../rust/rust-audit.js';

type Extractor = (elf: ElfFile, path: string) => Promise<AnalysisResult>;

const extractors: ReadonlyArray<[name: string, extract: Extractor]> = [
  ['go', goPackagesFromElf],
  ['rust-audit', (elf) => rustPackagesFromElf(elf)],
];

/** Runs every extractor; one failing becomes a warning and does not hide the others' packages. */
async function extractAll(elf: ElfFile, path: string): Promise<AnalysisResult> {
  const packages: NonNullable<AnalysisResult['packages']> = [];
  const warnings: string[] = [];
  for (const [name, extract] of extractors) {
    try {
      const result = await extract(elf, path);
      for (const pkg of result.packages ?? []) packages.push(pkg);
      for (const warning of result.warnings ?? []) warnings.push(warning);
    } catch (error) {
      warnings.push(`${path}: ${name}: ${describeFailure(error)}`);
    }
  }
  return {
    ...(packages.length > 0 ? { packages } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/** Catalogs Go and cargo-auditable Rust executables (ELF) in one pass over the headers. */
export const elfBinaryAnalyzer: SpoolAnalyzer = {
  name: 'elf-binary',
  version: 1,
  input: 'spool',
  magic: [ELF_MAGIC],
  // Go links its build info behind this magic; cargo-auditable's section name sits in the
  // section-name table. An executable with neither has nothing for us: skip parsing it.
  requires: [GO_BUILDINFO_MAGIC, Buffer.from(RUST_AUDIT_SECTION, 'latin1')],
  wants: isExecutableCandidate,
  analyze(file) {
    return analyzeElf(file, { cataloger: 'elf', reportStructure: true }, (elf) =>
      extractAll(elf, file.path),
    );
  },
};

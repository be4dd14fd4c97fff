/**
 * Runs a cataloger over a spooled ELF executable: opens it for bounded random access, parses
 * the headers and turns every failure into a one-line warning naming the file, so that no
 * exception escapes `analyze`.
 */
import type { AnalysisResult, FileInfo } from '../../types.js';
import { openFileByteSource } from '../byte-source.js';
import { readElf, type ElfFile } from './elf.js';
import { describeFailure } from '../failure.js';

/** Whether a file could be a compiled program worth opening: executable by someone, at least 1 KiB. */
export function isExecutableCandidate(file: FileInfo): boolean {
  return (file.mode & 0o111) !== 0 && file.size >= 1024;
}

/**
 * Opens `file` as ELF and runs `extract` on it. Structure errors become a warning only when
 * `reportStructure` is set (so that two catalogers reading the same binary do not both warn).
 */
export async function analyzeElf(
  file: FileInfo & { spoolPath: string },
  options: { cataloger: string; reportStructure: boolean },
  extract: (elf: ElfFile) => Promise<AnalysisResult>,
): Promise<AnalysisResult> {
  let elf: ElfFile;
  let source;
  try {
    source = await openFileByteSource(file.spoolPath);
  } catch (error) {
    return {
      warnings: [`${file.path}: ${options.cataloger}: cannot open: ${describeFailure(error)}`],
    };
  }
  try {
    try {
      elf = await readElf(source);
    } catch (error) {
      return options.reportStructure
        ? { warnings: [`${file.path}: ${describeFailure(error)}`] }
        : {};
    }
    return await extract(elf);
  } catch (error) {
    return { warnings: [`${file.path}: ${options.cataloger}: ${describeFailure(error)}`] };
  } finally {
    await source.close();
  }
}

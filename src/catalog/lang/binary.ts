/**
 * The catalogers that read compiled programs and archives rather than manifest files: Go and
 * Rust (cargo-auditable) executables, and Java archives.
 */
import type { Analyzer } from '../types.js';
import { elfBinaryAnalyzer } from './elf/elf-binary.js';
import { javaArchiveAnalyzer } from './java/java.js';

/** Every binary and archive cataloger, for the layer walker to run. */
export const binaryLanguageAnalyzers: Analyzer[] = [elfBinaryAnalyzer, javaArchiveAnalyzer];

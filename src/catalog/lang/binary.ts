/**
 * The catalogers that read compiled programs and archives rather than manifest files: Go and
 * Rust (cargo-auditable) executables, and Java archives (with Debian's Maven repository poms,
 * which name the JARs they link to).
 */
import type { Analyzer } from '../types.js';
import { elfBinaryAnalyzer } from './elf/elf-binary.js';
import { javaArchiveAnalyzer } from './java/java.js';
import { mavenRepoPomAnalyzer } from './java/maven-repo.js';

/** Every binary and archive cataloger, for the layer walker to run. */
export const binaryLanguageAnalyzers: Analyzer[] = [
  elfBinaryAnalyzer,
  javaArchiveAnalyzer,
  mavenRepoPomAnalyzer,
];

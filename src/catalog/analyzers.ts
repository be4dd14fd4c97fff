/**
 * The analyzers `catalogImage` runs by default: OS detection and OS packages, then language
 * ecosystems from text files and from binaries and archives.
 */
import { binaryLanguageAnalyzers } from './lang/binary.js';
import { textLanguageAnalyzers } from './lang/text.js';
import { osAnalyzers } from './os/index.js';
import type { Analyzer } from './types.js';

/** Every analyzer Moat ships, in a stable order. */
export function defaultAnalyzers(): Analyzer[] {
  return [...osAnalyzers, ...textLanguageAnalyzers, ...binaryLanguageAnalyzers];
}

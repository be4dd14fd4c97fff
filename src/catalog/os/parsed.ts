/**
 * The result shape the OS package parsers share: the packages read and one-line warnings for
 * what was skipped.
 */
import type { FoundPackage } from '../types.js';

/** Packages read out of one package database, plus warnings naming file and reason. */
export interface ParsedPackages {
  packages: FoundPackage[];
  warnings: string[];
}

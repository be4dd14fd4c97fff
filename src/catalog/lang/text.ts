/**
 * The language catalogers that read small text files (manifests and lockfiles of npm, Python,
 * Ruby, PHP, .NET and Cargo), gathered for the layer walker.
 */
import type { Analyzer } from '../types.js';
import { cargoLockCataloger } from './rust/cargo-lock.js';
import { dotnetDepsCataloger } from './dotnet/dotnet.js';
import { npmInstalledCataloger } from './npm/npm.js';
import { npmPackageLockCataloger } from './npm/npm-package-lock.js';
import { pnpmLockCataloger } from './npm/npm-pnpm-lock.js';
import { yarnLockCataloger } from './npm/npm-yarn-lock.js';
import { composerInstalledCataloger, composerLockCataloger } from './php/php.js';
import { pythonMetadataCataloger } from './python/python.js';
import {
  pipfileLockCataloger,
  poetryLockCataloger,
  requirementsCataloger,
} from './python/python-locks.js';
import { gemfileLockCataloger, gemspecCataloger } from './ruby/ruby.js';
import { defineTextAnalyzer, type LangLimits, type TextCataloger } from './text-input.js';

/** Every text cataloger, in a stable order. */
export const textCatalogers: readonly TextCataloger[] = [
  npmInstalledCataloger,
  npmPackageLockCataloger,
  yarnLockCataloger,
  pnpmLockCataloger,
  pythonMetadataCataloger,
  poetryLockCataloger,
  pipfileLockCataloger,
  requirementsCataloger,
  gemspecCataloger,
  gemfileLockCataloger,
  composerInstalledCataloger,
  composerLockCataloger,
  dotnetDepsCataloger,
  cargoLockCataloger,
];

/** Builds the text language analyzers with the given limits (defaults: `defaultLangLimits`). */
export function createTextLanguageAnalyzers(limits: Partial<LangLimits> = {}): Analyzer[] {
  return textCatalogers.map((cataloger) => defineTextAnalyzer(cataloger, limits));
}

/** The text language analyzers with default limits. */
export const textLanguageAnalyzers: Analyzer[] = createTextLanguageAnalyzers();

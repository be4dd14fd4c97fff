/**
 * The rpm cataloger: the walker spools any of rpm's database files (Berkeley DB `Packages`,
 * NDB `Packages.db`, `rpmdb.sqlite`, under `var/lib/rpm/` or `usr/lib/sysimage/rpm/`) and this
 * analyzer reads the installed packages out of it.
 */
import { InvalidInputError } from '../../../errors.js';
import type { AnalysisResult, SpoolAnalyzer } from '../../types.js';
import { readRpmDatabase } from './database.js';

/** Paths (from the image root) where rpm keeps its package database. */
export const rpmDatabasePaths: readonly string[] = [
  'var/lib/rpm/',
  'usr/lib/sysimage/rpm/',
].flatMap((dir) => ['Packages', 'Packages.db', 'rpmdb.sqlite'].map((file) => dir + file));

/** Catalogs rpm packages from the rpm database in any of its three formats. */
export const rpmAnalyzer: SpoolAnalyzer = {
  name: 'rpm',
  version: 2,
  input: 'spool',
  wants: (file) => rpmDatabasePaths.includes(file.path) && file.size > 0,
  async analyze(file): Promise<AnalysisResult> {
    // Messages name the spooled copy; name the file as it lies in the image instead.
    const rename = (message: string) => message.split(file.spoolPath).join(`/${file.path}`);
    try {
      const { packages, warnings, ownedFiles } = await readRpmDatabase(file.spoolPath);
      return { packages, warnings: warnings.map(rename), ownedFiles };
    } catch (error) {
      if (error instanceof InvalidInputError) {
        throw new InvalidInputError(error.code, rename(error.message), { cause: error });
      }
      throw error;
    }
  },
};

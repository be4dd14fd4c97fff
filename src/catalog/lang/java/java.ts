/**
 * The Java archive cataloger: reports the Maven packages a JAR/WAR/EAR (and every archive
 * nested in it) declares, from `pom.properties`, the manifest or the file name.
 */
import type { SpoolAnalyzer } from '../../types.js';
import { isJavaArchivePath, walkJavaArchive } from './java-archive.js';

/** The four bytes a zip archive's first local file header starts with. */
export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Catalogs Java archives by file name (`*.jar, *.war, *.ear, *.par, *.sar, *.jpi, *.hpi, *.kar`). */
export const javaArchiveAnalyzer: SpoolAnalyzer = {
  name: 'java-archive',
  version: 2,
  input: 'spool',
  magic: [ZIP_MAGIC],
  wants: (file) => file.size > 0 && isJavaArchivePath(file.path),
  async analyze(file, ctx) {
    const { packages, warnings } = await walkJavaArchive(file.spoolPath, file.path, ctx);
    return warnings.length > 0 ? { packages, warnings } : { packages };
  },
};

/**
 * The Rust binary cataloger for executables built with `cargo auditable`: the `.dep-v0` ELF
 * section holds zlib-compressed JSON listing every crate compiled in. Format facts from the
 * rust-secure-code/cargo-auditable repository (`auditable-serde`).
 */
import { inflateSync } from 'node:zlib';

import { z } from 'zod';

import { InvalidInputError, LimitExceededError } from '../../../errors.js';
import type { AnalysisResult, FoundPackage } from '../../types.js';
import type { ElfFile } from '../elf/elf.js';

/** The section cargo-auditable writes. */
export const RUST_AUDIT_SECTION = '.dep-v0';
/** Largest compressed section read. */
const MAX_COMPRESSED_BYTES = 8 * 1024 * 1024;
/** Largest inflated JSON accepted (cargo-auditable's own decoder default). */
export const MAX_INFLATED_BYTES = 8 * 1024 * 1024;
/** Most crates accepted in one binary. */
const MAX_PACKAGES = 100_000;

const auditPackage = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  source: z.string(),
  kind: z.enum(['runtime', 'build']).optional(),
  dependencies: z.array(z.number().int().nonnegative()).optional(),
  root: z.boolean().optional(),
});

const auditInfo = z.object({ packages: z.array(auditPackage).max(MAX_PACKAGES) });

/** Decodes the raw `.dep-v0` bytes into packages; throws typed errors on bad content. */
export function parseRustAudit(compressed: Buffer): FoundPackage[] {
  let json: Buffer;
  try {
    json = inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new LimitExceededError(
        `${RUST_AUDIT_SECTION}: inflates to more than ${MAX_INFLATED_BYTES} bytes`,
      );
    }
    throw new InvalidInputError('PACKAGE_DB_INVALID', `${RUST_AUDIT_SECTION}: not zlib data`, {
      cause: error,
    });
  }
  let parsed: z.infer<typeof auditInfo>;
  try {
    parsed = auditInfo.parse(JSON.parse(json.toString('utf8')));
  } catch (error) {
    const reason =
      error instanceof z.ZodError ? (error.issues[0]?.message ?? 'invalid') : 'not JSON';
    throw new InvalidInputError('PACKAGE_DB_INVALID', `${RUST_AUDIT_SECTION}: ${reason}`, {
      cause: error,
    });
  }
  return parsed.packages.map((p) => {
    const metadata: Record<string, string | boolean> = { source: p.source };
    if (p.root) metadata.root = true;
    if (p.kind === 'build') metadata.kind = 'build';
    return { type: 'cargo', name: p.name, version: p.version, licenses: [], metadata };
  });
}

/** Extracts the crates listed in a parsed ELF file's `.dep-v0` section, if it has one. */
export async function rustPackagesFromElf(elf: ElfFile): Promise<AnalysisResult> {
  const section = await elf.readSection(RUST_AUDIT_SECTION, MAX_COMPRESSED_BYTES);
  return section ? { packages: parseRustAudit(section) } : {};
}

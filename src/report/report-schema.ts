/**
 * The schema of Moat's own report JSON (`--format json`), as zod: the one definition the renderer
 * is typed by, tests validate against and consumers may import. docs/report-format.md describes
 * every field; any change to this schema bumps `schemaVersion`.
 */
import { z } from 'zod';

const packageTypes = [
  'deb',
  'apk',
  'rpm',
  'npm',
  'pypi',
  'golang',
  'maven',
  'gem',
  'cargo',
  'composer',
  'nuget',
] as const;

const digest = z.string().regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/);

/** A reference to another package of the report. */
const packageLinkSchema = z.strictObject({
  type: z.enum(packageTypes),
  name: z.string(),
  version: z.string(),
  purl: z.string().startsWith('pkg:').optional(),
});

/** One package in the report. */
export const reportPackageSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  type: z.enum(packageTypes),
  /** Absent when no purl can name the package (a Maven archive without its groupId). */
  purl: z.string().startsWith('pkg:').optional(),
  namespace: z.string().optional(),
  source: z.strictObject({ name: z.string(), version: z.string() }).optional(),
  arch: z.string().optional(),
  licenses: z.array(z.string()),
  layer: z.strictObject({ digest }).nullable(),
  path: z.string().startsWith('/'),
  locations: z.array(z.string().startsWith('/')).min(2).optional(),
  dev: z.literal(true).optional(),
  optional: z.literal(true).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  /** The OS package that installed this language package's files. */
  ownedBy: packageLinkSchema.optional(),
  /** The language packages whose files this OS package installed. */
  owns: z.array(packageLinkSchema).optional(),
});

/** The scanned artifact: the image, its platform, OS and layers. */
export const reportArtifactSchema = z.strictObject({
  kind: z.enum(['container_image', 'filesystem']),
  name: z.string(),
  transport: z.enum(['docker-archive', 'oci', 'oci-archive', 'dir', 'registry']),
  manifestDigest: digest.nullable(),
  configDigest: digest.nullable(),
  repoTags: z.array(z.string()),
  platform: z
    .strictObject({ os: z.string(), architecture: z.string(), variant: z.string().optional() })
    .nullable(),
  os: z
    .strictObject({
      family: z.string(),
      version: z.string(),
      codename: z.string().nullable(),
      eol: z.string().nullable(),
    })
    .nullable(),
  layers: z.array(
    z.strictObject({
      digest,
      diffId: digest.nullable(),
      size: z.number().int().nonnegative(),
      mediaType: z.string(),
      createdBy: z.string().nullable(),
    }),
  ),
});

/** A finding section that no command fills yet. */
const findings = z.array(z.record(z.string(), z.unknown()));

const severity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']);
const findingStatus = z.enum(['fixed', 'affected', 'will_not_fix', 'fix_deferred', 'end_of_life']);

/** One vulnerability affecting one package (`moat scan`). */
export const reportVulnerabilitySchema = z.strictObject({
  id: z.string().min(1),
  aliases: z.array(z.string()),
  purl: z.string().startsWith('pkg:'),
  packageName: z.string(),
  installedVersion: z.string(),
  fixedVersions: z.array(z.string()),
  status: findingStatus,
  statusSource: z.string(),
  severity,
  sourceSeverity: severity.nullable(),
  cvss: z.array(
    z.strictObject({
      version: z.enum(['2.0', '3.0', '3.1', '4.0']),
      vector: z.string(),
      score: z.number().min(0).max(10),
      source: z.string().nullable(),
    }),
  ),
  title: z.string(),
  description: z.string().nullable(),
  references: z.array(z.string()),
  layer: z.strictObject({ digest }).nullable(),
  path: z.string(),
  dataSource: z.string(),
  published: z.string().nullable(),
  modified: z.string().nullable(),
});

/** Why the filters left a vulnerability out (`moat scan`); unknown facts are `null`. */
export const reportSuppressionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('severity'), severity }),
  z.strictObject({ kind: z.literal('unfixed'), status: findingStatus }),
  z.strictObject({
    kind: z.literal('ignorefile'),
    file: z.string(),
    line: z.number().int().positive(),
    statement: z.string().nullable(),
  }),
  z.strictObject({
    kind: z.literal('vex'),
    file: z.string(),
    format: z.enum(['openvex', 'cyclonedx']),
    status: z.enum(['not_affected', 'fixed', 'false_positive', 'resolved']),
    justification: z.string().nullable(),
    statement: z.string().nullable(),
  }),
]);

/** A vulnerability the filters left out, with the reason (`moat scan`). */
export const reportSuppressedSchema = reportVulnerabilitySchema.extend({
  suppression: reportSuppressionSchema,
});

/** Moat's report JSON, schema version 1. */
export const reportSchema = z.strictObject({
  schemaVersion: z.literal(2),
  target: z.string(),
  createdAt: z.iso.datetime({ offset: true }),
  artifact: reportArtifactSchema,
  packages: z.array(reportPackageSchema),
  vulnerabilities: z.array(reportVulnerabilitySchema),
  /** Left out by `--severity`, `--ignore-unfixed`, the ignore file or VEX; always `[]` from `moat sbom`. */
  suppressed: z.array(reportSuppressedSchema),
  secrets: findings,
  misconfigurations: findings,
  warnings: z.array(z.string()),
  summary: z.strictObject({
    packages: z.number().int().nonnegative(),
    byType: z.partialRecord(z.enum(packageTypes), z.number().int().positive()),
    /** Present when vulnerabilities were scanned for (`moat scan`), absent from `moat sbom`. */
    vulnerabilities: z
      .strictObject({
        total: z.number().int().nonnegative(),
        bySeverity: z.record(severity, z.number().int().nonnegative()),
        ignored: z.number().int().nonnegative(),
      })
      .optional(),
  }),
});

/** Moat's report JSON (`--format json`), schema version 1. */
export type Report = z.infer<typeof reportSchema>;
/** One vulnerability of a {@link Report}. */
export type ReportVulnerability = z.infer<typeof reportVulnerabilitySchema>;
/** One suppressed vulnerability of a {@link Report}. */
export type ReportSuppressed = z.infer<typeof reportSuppressedSchema>;
/** One package of a {@link Report}. */
export type ReportPackage = z.infer<typeof reportPackageSchema>;

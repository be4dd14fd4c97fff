/**
 * Severity of a finding: CVSS v2/v3.0/v3.1/v4.0 vectors from OSV `severity[]` scored with
 * ae-cvss-calculator and banded (v3/v4: 9.0+ CRITICAL, 7.0+ HIGH, 4.0+ MEDIUM, 0.1+ LOW; v2 as
 * NVD banded it: 7.0+ HIGH, 4.0+ MEDIUM, else LOW), beside the source's own rating: GitHub's
 * `database_specific.severity` (`MODERATE` is MEDIUM), Ubuntu's `severity[]` entry of type
 * `Ubuntu` (its priorities; `negligible` is LOW), Debian's per-release
 * `ecosystem_specific.urgency` (`unimportant` is LOW; `not yet assigned` and `end-of-life` rate
 * nothing), Red Hat's `important`/`moderate`. A score of 0.0 (CVSS "None") bands as UNKNOWN.
 */
import cvssCalculator from 'ae-cvss-calculator';

import type { OsvAffected, OsvRecord } from '../vulndb/index.js';
import type { CvssScore, Severity } from './types.js';

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvssCalculator;

/** Base metrics a vector must name before it is scored (the calculator scores 0 for missing ones). */
const requiredMetrics: Record<CvssScore['version'], string[]> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

const severityOrder: Severity[] = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/**
 * Scores one CVSS vector; undefined when it is not a complete CVSS v2/v3.x/v4.0 base vector.
 * @example scoreCvss('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H') // { version: '3.1', score: 9.8, … }
 */
export function scoreCvss(vector: string, source?: string): CvssScore | undefined {
  let scored = scoreCache.get(vector);
  if (scored === undefined) {
    // Scoring costs tens of microseconds and advisories share few distinct vectors.
    if (scoreCache.size >= SCORE_CACHE_SIZE) scoreCache.clear();
    scoreCache.set(vector, (scored = computeScore(vector) ?? null));
  }
  if (!scored) return undefined;
  return { ...scored, ...(source !== undefined ? { source } : {}) };
}

const SCORE_CACHE_SIZE = 10_000;
const scoreCache = new Map<string, Omit<CvssScore, 'source'> | null>();

function computeScore(vector: string): Omit<CvssScore, 'source'> | undefined {
  const version = cvssVersionOf(vector);
  if (!version) return undefined;
  const metrics = new Map(
    vector
      .split('/')
      .map((part) => part.split(':'))
      .filter((pair): pair is [string, string] => pair.length === 2),
  );
  if (!requiredMetrics[version].every((metric) => metrics.has(metric))) return undefined;
  try {
    const calculator =
      version === '2.0'
        ? new Cvss2(vector)
        : version === '3.0'
          ? new Cvss3P0(vector)
          : version === '3.1'
            ? new Cvss3P1(vector)
            : new Cvss4P0(vector);
    const score = calculator.calculateScores().overall;
    if (typeof score !== 'number' || Number.isNaN(score)) return undefined;
    return { version, vector, score };
  } catch {
    return undefined;
  }
}

function cvssVersionOf(vector: string): CvssScore['version'] | undefined {
  if (vector.startsWith('CVSS:3.1/')) return '3.1';
  if (vector.startsWith('CVSS:3.0/')) return '3.0';
  if (vector.startsWith('CVSS:4.0/')) return '4.0';
  if (/^\(?AV:[LAN]\/AC:[HML]\/Au:[MSN]\//.test(vector)) return '2.0';
  return undefined;
}

/** The severity band of a scored vector. */
export function bandOf(cvss: Pick<CvssScore, 'version' | 'score'>): Severity {
  const { score } = cvss;
  if (score <= 0) return 'UNKNOWN';
  if (cvss.version === '2.0') return score >= 7 ? 'HIGH' : score >= 4 ? 'MEDIUM' : 'LOW';
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  return 'LOW';
}

/** The higher of two severities (UNKNOWN lowest). */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityOrder.indexOf(a) >= severityOrder.indexOf(b) ? a : b;
}

/** Every CVSS vector a record and its entry carry, scored, named by `source`. */
export function cvssScoresOf(
  record: OsvRecord,
  entry: OsvAffected | undefined,
  source: string,
): CvssScore[] {
  const scores: CvssScore[] = [];
  for (const item of [...(record.severity ?? []), ...(entry?.severity ?? [])]) {
    if (!item.type.startsWith('CVSS_')) continue;
    const scored = scoreCvss(item.score.trim(), source);
    if (scored) scores.push(scored);
  }
  return scores;
}

const sourceWords: Readonly<Record<string, Severity>> = {
  critical: 'CRITICAL',
  important: 'HIGH',
  high: 'HIGH',
  moderate: 'MEDIUM',
  medium: 'MEDIUM',
  low: 'LOW',
  negligible: 'LOW',
  unimportant: 'LOW',
};

/** A source's rating word as a severity; undefined when it rates nothing (`not yet assigned`). */
export function severityFromWord(word: string): Severity | undefined {
  // Debian marks some urgencies with trailing `*` (e.g. `low**`: not verified by the team).
  return sourceWords[word.trim().toLowerCase().replace(/\*+$/, '')];
}

/** The source's own rating of a record for one entry, when it gives one. */
export function sourceSeverityOf(
  record: OsvRecord,
  entry: OsvAffected | undefined,
): Severity | undefined {
  const words: unknown[] = [
    entry?.ecosystem_specific?.urgency,
    entry?.ecosystem_specific?.severity,
    entry?.database_specific?.severity,
    record.database_specific?.severity,
    ...(record.severity ?? []).filter((s) => !s.type.startsWith('CVSS_')).map((s) => s.score),
  ];
  for (const word of words) {
    if (typeof word !== 'string') continue;
    const severity = severityFromWord(word);
    if (severity) return severity;
  }
  return undefined;
}

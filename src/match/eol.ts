/**
 * End of life of distribution releases: after this date the distribution publishes no more
 * security fixes for the release, so a clean scan means little. Dates are the end of free
 * security support (Debian: end of LTS; Ubuntu: end of standard support, ESM needs Ubuntu Pro;
 * Alpine: end of the release branch's security fixes; RHEL-likes: end of maintenance support).
 * Debian and Ubuntu dates are checked against Debian's distro-info-data by an end-to-end test
 * (test/e2e/eol.test.ts), which also fails when a release it lists is missing here; the others
 * come from the projects' release pages as summarised by endoflife.date. Releases missing from
 * the table are reported as unknown, never as supported.
 */
import type { OsInfo } from '../catalog/types.js';

/** Whether a release has reached its end of life, and when it does. */
export interface EolStatus {
  eol: boolean;
  /** The end-of-life date (YYYY-MM-DD). */
  date: string;
}

const table: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  debian: {
    '7': '2018-05-31',
    '8': '2020-06-30',
    '9': '2022-06-30',
    '10': '2024-06-30',
    '11': '2026-08-31',
    '12': '2028-06-30',
    '13': '2030-06-30',
  },
  ubuntu: {
    '14.04': '2019-04-25',
    '16.04': '2021-04-30',
    '18.04': '2023-05-31',
    '18.10': '2019-07-18',
    '19.04': '2020-01-23',
    '19.10': '2020-07-17',
    '20.04': '2025-05-29',
    '20.10': '2021-07-22',
    '21.04': '2022-01-20',
    '21.10': '2022-07-14',
    '22.04': '2027-06-01',
    '22.10': '2023-07-20',
    '23.04': '2024-01-25',
    '23.10': '2024-07-11',
    '24.04': '2029-05-31',
    '24.10': '2025-07-10',
    '25.04': '2026-01-15',
    '25.10': '2026-07-09',
    '26.04': '2031-05-29',
    '26.10': '2027-07-15',
  },
  alpine: {
    '3.12': '2022-05-01',
    '3.13': '2022-11-01',
    '3.14': '2023-05-01',
    '3.15': '2023-11-01',
    '3.16': '2024-05-23',
    '3.17': '2024-11-22',
    '3.18': '2025-05-09',
    '3.19': '2025-11-01',
    '3.20': '2026-04-01',
    '3.21': '2026-11-01',
    '3.22': '2027-05-01',
  },
  rhel: { '6': '2020-11-30', '7': '2024-06-30', '8': '2029-05-31', '9': '2032-05-31' },
  centos: { '6': '2020-11-30', '7': '2024-06-30', '8': '2021-12-31' },
  almalinux: { '8': '2029-03-01', '9': '2032-05-31' },
  rocky: { '8': '2029-05-31', '9': '2032-05-31' },
};

/** Families whose releases the table keys by major.minor; the rest by major. */
const minorKeyed = new Set(['ubuntu', 'alpine']);

/**
 * The end-of-life status of `os` on `now`; undefined when the table does not know the release.
 * @example endOfLife({ family: 'debian', version: '10' }, new Date('2026-01-01')) // { eol: true, date: '2024-06-30' }
 */
export function endOfLife(os: OsInfo | undefined, now: Date): EolStatus | undefined {
  if (!os) return undefined;
  // Own keys only: os-release comes from the image, and `ID=constructor` names no family.
  const releases = Object.hasOwn(table, os.family) ? table[os.family] : undefined;
  if (!releases) return undefined;
  const [major = '', minor] = os.version.split('.');
  const key = minorKeyed.has(os.family) ? `${major}.${minor ?? ''}` : major;
  const date = Object.hasOwn(releases, key) ? releases[key] : undefined;
  if (!date) return undefined;
  // A release ends at the end of its last day (UTC).
  return { eol: now.getTime() >= Date.parse(`${date}T23:59:59.999Z`) + 1, date };
}

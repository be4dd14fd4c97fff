/**
 * The timestamp fields of VEX documents (OpenVEX `timestamp`, CycloneDX `lastUpdated`): RFC 3339
 * date-times on real calendar days. Date.parse would take `2024-02-30T00:00:00Z` for March 1 and
 * so let an impossible statement win "latest statement" ordering; such a document is refused.
 */
import { z } from 'zod';

/** An RFC 3339 date-time whose day exists; the error quotes the value. */
export const vexTimestamp = z.iso.datetime({
  offset: true,
  local: true,
  error: (issue) =>
    issue.code === 'invalid_format'
      ? `${JSON.stringify(issue.input)} is not a real date and time (RFC 3339, e.g. 2024-02-29T12:00:00Z)`
      : undefined,
});

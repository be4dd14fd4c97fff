/**
 * The one error the comparators raise: a version its ecosystem's grammar does not accept. Callers
 * (the matcher) report it rather than guess whether an unparsable version is affected.
 */
import { MoatError } from '../errors.js';

/** A version string that the named ecosystem's comparator cannot parse. */
export class VersionError extends MoatError<'VERSION_INVALID'> {
  override name = 'VersionError';
  /** The ecosystem whose grammar rejected the version. */
  readonly ecosystem: string;
  /** The rejected version, exactly as given. */
  readonly version: string;

  constructor(ecosystem: string, version: string, reason: string) {
    super('VERSION_INVALID', `invalid ${ecosystem} version ${JSON.stringify(version)}: ${reason}`);
    this.ecosystem = ecosystem;
    this.version = version;
  }
}

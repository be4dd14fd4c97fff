/**
 * Proxy projects' upstream settings: the URL grammar (`http(s)://host[:port]`, nothing else) and
 * the credentials, sealed in the secret box (`secrets`, purpose `proxy.upstream`) and opened only
 * to build the registry client. Neither the password nor the sealed envelope ever leaves this
 * file: callers see the URL.
 */
import { z } from 'zod';

import { AuthError } from '../../auth/errors.js';
import type { SecretBox } from '../../auth/model.js';
import { MoatError } from '../../errors.js';
import type { Credentials } from '../../registry-client/index.js';
import type { StoreDatabase } from '../../store/metadata/database.js';
import {
  deleteProxyProject,
  insertProxyProject,
  selectProxyProject,
  selectProxyProjects,
} from '../../store/gate/proxies.js';

/** The longest upstream URL accepted. */
const maxUrlLength = 2048;
const secretPurpose = 'proxy.upstream';

/** What `POST /api/v1/projects` accepts under `proxy`. */
export const proxySettingsSchema = z.strictObject({
  url: z.string().min(1).max(maxUrlLength),
  credentials: z
    .strictObject({
      username: z.string().min(1).max(256),
      password: z.string().min(1).max(4096),
    })
    .optional(),
});

/** A proxy project's settings as given at creation. */
export type ProxySettings = z.infer<typeof proxySettingsSchema>;

/** Where an upstream registry is, as the registry client needs it. */
export interface UpstreamTarget {
  /** Normalised `scheme://host[:port]`. */
  url: string;
  /** `host[:port]`. */
  host: string;
  /** Plain HTTP. */
  insecure: boolean;
}

/**
 * Validates an upstream URL: `http` or `https`, a host, an optional port, no user information,
 * path, query or fragment (a registry's API is at `/v2/` of its origin). `INVALID_REQUEST`
 * otherwise; the message never repeats user information.
 * @example parseUpstreamUrl('https://registry-1.docker.io') // { host: 'registry-1.docker.io', insecure: false, … }
 */
export function parseUpstreamUrl(input: string): UpstreamTarget {
  const refuse = (why: string): never => {
    throw new AuthError('INVALID_REQUEST', `proxy.url ${why}`);
  };
  if (input.length > maxUrlLength) refuse(`is longer than ${maxUrlLength} characters`);
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return refuse('is not a URL (expected http(s)://host[:port])');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse('must be http or https');
  if (url.username !== '' || url.password !== '') {
    refuse('must not carry credentials: give them as proxy.credentials');
  }
  if (url.hostname === '') refuse('has no host');
  if (url.pathname !== '/' && url.pathname !== '') {
    refuse('must be the registry origin, without a path (the API is at /v2/)');
  }
  if (url.search !== '' || url.hash !== '' || input.includes('?') || input.includes('#')) {
    refuse('must not have a query or fragment');
  }
  return { url: url.origin, host: url.host, insecure: url.protocol === 'http:' };
}

/** The upstream of one proxy project, ready for the registry client. */
export interface Upstream extends UpstreamTarget {
  project: string;
  credentials?: Credentials;
  /** Changes whenever the project's row does (a client built for another one is stale). */
  version: string;
}

/** The proxy settings of projects, over the database and the secret box. */
export interface ProxyProjects {
  /** Makes `project` a proxy project (the project must exist); credentials sealed first. */
  attach(project: string, settings: ProxySettings): Promise<{ url: string }>;
  /** The upstream URL of a proxy project, or undefined for an ordinary one. */
  urlOf(project: string): Promise<string | undefined>;
  /** Upstream URLs by project, for the named projects that are proxy projects. */
  urlsOf(projects: readonly string[]): Promise<Map<string, string>>;
  /** The upstream with its opened credentials (for the proxy service only). */
  upstreamOf(project: string): Promise<Upstream | undefined>;
  /** Removes the proxy settings and the sealed credentials (when the project is deleted). */
  detach(project: string): Promise<void>;
}

/**
 * The proxy settings store.
 * @example const proxies = proxyProjects(stores.database, access.secrets);
 */
export function proxyProjects(database: StoreDatabase, secrets: SecretBox): ProxyProjects {
  return {
    async attach(project, settings) {
      const target = parseUpstreamUrl(settings.url);
      const secret =
        settings.credentials === undefined
          ? undefined
          : await secrets.seal(secretPurpose, Buffer.from(JSON.stringify(settings.credentials)));
      const inserted = await insertProxyProject(database, {
        project,
        url: target.url,
        ...(secret !== undefined ? { credentialsSecret: secret } : {}),
        now: Date.now(),
      });
      if (!inserted) {
        if (secret !== undefined) await secrets.remove(secret);
        throw new AuthError('CONFLICT', `project ${project} is already a proxy project`);
      }
      return { url: target.url };
    },
    async urlOf(project) {
      return (await selectProxyProject(database, project))?.url;
    },
    async urlsOf(projects) {
      const rows = await selectProxyProjects(database, projects);
      return new Map(rows.map((row) => [row.project, row.url]));
    },
    async upstreamOf(project) {
      const row = await selectProxyProject(database, project);
      if (row === undefined) return undefined;
      const target = parseUpstreamUrl(row.url);
      const credentials =
        row.credentialsSecret === undefined
          ? undefined
          : openCredentials(await secrets.open(row.credentialsSecret));
      return {
        ...target,
        project,
        ...(credentials !== undefined ? { credentials } : {}),
        version: `${row.url} ${row.credentialsSecret ?? ''} ${row.createdAt.getTime()}`,
      };
    },
    async detach(project) {
      const row = await deleteProxyProject(database, project);
      if (row?.credentialsSecret !== undefined) await secrets.remove(row.credentialsSecret);
    },
  };
}

const storedCredentials = z.object({ username: z.string(), password: z.string() });

function openCredentials(plaintext: Buffer): Credentials {
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString('utf8'));
  } catch {
    // JSON.parse quotes its input in its message: never let that near a log.
    value = undefined;
  }
  const parsed = storedCredentials.safeParse(value);
  if (!parsed.success) throw new MoatError('INTERNAL', 'stored upstream credentials are malformed');
  return parsed.data;
}

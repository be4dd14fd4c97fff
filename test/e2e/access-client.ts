/**
 * A client of `/api/v1` for end-to-end tests, as a browser or a script uses it: a session cookie
 * from `POST /login` and its CSRF token on every write, or a personal access token as Bearer;
 * plus TOTP codes computed by `oathtool` (Debian's OATH Toolkit), an implementation independent of
 * Moat's.
 */
import { mustRun } from './serve-clients.js';

/** One answer of the API, body parsed. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body (undefined for an empty one). */
  body: unknown;
}

/** The `code` of an API error answer. */
export function errorCode(answer: ApiAnswer): string | undefined {
  return (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
}

/** A caller of one server's API: anonymous, logged in with a session, or holding a token. */
export class ApiClient {
  private cookie: string | undefined;
  private csrfToken: string | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly bearer?: string,
  ) {}

  /** `POST /login`; on success the session cookie and CSRF token are kept for later calls. */
  async login(username: string, password: string, otp?: string): Promise<ApiAnswer> {
    const answer = await this.send('POST', '/login', {
      username,
      password,
      ...(otp !== undefined ? { otp } : {}),
    });
    if (answer.status === 200) {
      const setCookie = answer.headers.get('set-cookie') ?? '';
      this.cookie = /moat_session=[^;]+/.exec(setCookie)?.[0];
      this.csrfToken = (answer.body as { csrfToken: string }).csrfToken;
    }
    return answer;
  }

  get(path: string): Promise<ApiAnswer> {
    return this.send('GET', path);
  }

  post(path: string, body?: unknown): Promise<ApiAnswer> {
    return this.send('POST', path, body);
  }

  put(path: string, body?: unknown): Promise<ApiAnswer> {
    return this.send('PUT', path, body);
  }

  delete(path: string): Promise<ApiAnswer> {
    return this.send('DELETE', path);
  }

  /** Sends a request; `withCsrf: false` leaves the CSRF token out of a cookie-authenticated write. */
  async send(
    method: string,
    path: string,
    body?: unknown,
    options: { withCsrf?: boolean } = {},
  ): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    if (this.bearer !== undefined) headers.authorization = `Bearer ${this.bearer}`;
    if (this.cookie !== undefined) headers.cookie = this.cookie;
    if (method !== 'GET' && this.csrfToken !== undefined && options.withCsrf !== false)
      headers['x-csrf-token'] = this.csrfToken;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}/api/v1${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    };
  }
}

/**
 * The TOTP code of a base32 `secret` (SHA-1, 6 digits, 30 s) from `oathtool`, `offsetSeconds`
 * from now (-30 and 30: the previous and next time step).
 */
export async function oathtoolCode(secret: string, offsetSeconds = 0): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + offsetSeconds;
  const out = await mustRun('oathtool', ['--totp', '-b', '--now', `@${now}`, secret]);
  return out.trim();
}

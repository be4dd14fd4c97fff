/**
 * Parsing of `WWW-Authenticate` headers (RFC 9110 §11.6.1): one or more challenges, each a
 * scheme followed by comma-separated `name=value` parameters whose values may be quoted strings
 * holding commas and backslash escapes. Registries send `Bearer realm=…,service=…,scope=…` or
 * `Basic realm=…`.
 */

/** One authentication challenge: a lower-cased scheme and its parameters (names lower-cased). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

const tokenChar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos += 1;
  }

  skipSpaceAndCommas(): void {
    while (this.peek() === ' ' || this.peek() === '\t' || this.peek() === ',') this.pos += 1;
  }

  token(): string {
    const start = this.pos;
    while (!this.done && tokenChar.test(this.peek())) this.pos += 1;
    return this.text.slice(start, this.pos);
  }

  /** A token68 (`abc/+=` characters, trailing `=` padding allowed). */
  token68(): string {
    const start = this.pos;
    while (!this.done && /[A-Za-z0-9\-._~+/]/.test(this.peek())) this.pos += 1;
    while (this.peek() === '=') this.pos += 1;
    return this.text.slice(start, this.pos);
  }

  /** An unquoted value; lenient (up to a comma or space) since registries send bare URLs. */
  bare(): string {
    const start = this.pos;
    while (!this.done && !/[,\s]/.test(this.peek())) this.pos += 1;
    return this.text.slice(start, this.pos);
  }

  quoted(): string {
    this.pos += 1; // opening quote
    let out = '';
    while (!this.done) {
      const char = this.peek();
      this.pos += 1;
      if (char === '"') return out;
      if (char === '\\' && !this.done) {
        out += this.peek();
        this.pos += 1;
      } else {
        out += char;
      }
    }
    return out; // unterminated: take what is there
  }

  /** True when a `name =` parameter (rather than a new scheme or token68) starts here. */
  atParam(): boolean {
    const match = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=(?!=)/.exec(this.text.slice(this.pos));
    if (match === null) return false;
    // `abc=` followed by end or comma is a token68 with padding, not a parameter.
    const after = this.text.slice(this.pos + match[0].length).trimStart();
    return after.length > 0 && after[0] !== ',';
  }
}

/**
 * Parses every challenge in a `WWW-Authenticate` header value; unparseable input yields fewer
 * (possibly zero) challenges rather than an error.
 * @example parseWwwAuthenticate('Bearer realm="https://auth/token",service="reg"')
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const cursor = new Cursor(header);
  const challenges: AuthChallenge[] = [];
  while (true) {
    cursor.skipSpaceAndCommas();
    const scheme = cursor.token();
    if (scheme === '') break;
    // The server names the parameters: `constructor` or `__proto__` must be plain own keys.
    const params = Object.create(null) as Record<string, string>;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params };
    challenges.push(challenge);
    cursor.skipSpace();
    if (!cursor.atParam()) {
      const token68 = cursor.token68();
      if (token68 !== '') params.token68 = token68;
      continue;
    }
    while (cursor.atParam()) {
      const name = cursor.token().toLowerCase();
      cursor.skipSpace();
      cursor.pos += 1; // '='
      cursor.skipSpace();
      const value = cursor.peek() === '"' ? cursor.quoted() : cursor.bare();
      if (!Object.hasOwn(params, name)) params[name] = value;
      cursor.skipSpaceAndCommas();
    }
  }
  return challenges;
}

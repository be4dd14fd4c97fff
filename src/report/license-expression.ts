/**
 * SPDX licence expressions (SPDX 2.3 Annex D): validation and canonical spelling of the licence
 * strings catalogers report, and the combination of several strings into one expression. Known
 * identifiers come from the CycloneDX library's SPDX list, which holds licence and exception ids.
 */
import { SPDX } from '@cyclonedx/cyclonedx-library';

type Token = string;

const idString = /^[A-Za-z0-9.-]+$/;
const licenseRef = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/;
const operators = new Set(['AND', 'OR', 'WITH']);

/** Spells an operator in upper case; Annex D allows all-lower-case operators too. */
function operatorOf(token: Token): string | undefined {
  const upper = token.toUpperCase();
  return operators.has(upper) && (token === upper || token === token.toLowerCase())
    ? upper
    : undefined;
}

/** Canonical spelling of a licence id, `id+` or licence ref; undefined when unknown. */
function simpleExpression(token: Token): string | undefined {
  if (licenseRef.test(token)) return token;
  if (!idString.test(token.replace(/\+$/, ''))) return undefined;
  const known = SPDX.fixupSpdxId(token);
  if (known !== undefined) return known;
  if (token.endsWith('+')) {
    const base = SPDX.fixupSpdxId(token.slice(0, -1));
    return base === undefined ? undefined : `${base}+`;
  }
  return undefined;
}

/** A recursive-descent parser over tokens that rebuilds the expression in canonical spelling. */
class ExpressionParser {
  private position = 0;
  constructor(private readonly tokens: readonly Token[]) {}

  parse(): string | undefined {
    const expression = this.orExpression();
    return expression !== undefined && this.position === this.tokens.length
      ? expression
      : undefined;
  }

  private peekOperator(): string | undefined {
    const token = this.tokens[this.position];
    return token === undefined ? undefined : operatorOf(token);
  }

  private binary(operator: 'AND' | 'OR', operand: () => string | undefined): string | undefined {
    let left = operand();
    while (left !== undefined && this.peekOperator() === operator) {
      this.position++;
      const right = operand();
      left = right === undefined ? undefined : `${left} ${operator} ${right}`;
    }
    return left;
  }

  private orExpression(): string | undefined {
    return this.binary('OR', () => this.andExpression());
  }

  private andExpression(): string | undefined {
    return this.binary('AND', () => this.term());
  }

  private term(): string | undefined {
    const token = this.tokens[this.position++];
    if (token === undefined || operatorOf(token) !== undefined || token === ')') return undefined;
    if (token === '(') {
      const inner = this.orExpression();
      return inner !== undefined && this.tokens[this.position++] === ')' ? `(${inner})` : undefined;
    }
    const simple = simpleExpression(token);
    if (simple === undefined || this.peekOperator() !== 'WITH') return simple;
    this.position++;
    const exceptionToken = this.tokens[this.position++];
    const exception = exceptionToken === undefined ? undefined : SPDX.fixupSpdxId(exceptionToken);
    return exception === undefined ? undefined : `${simple} WITH ${exception}`;
  }
}

/**
 * The canonical spelling of a valid SPDX licence expression, or undefined when `text` is not one.
 * @example normalizeSpdxExpression('mit or apache-2.0') // 'MIT OR Apache-2.0'
 */
export function normalizeSpdxExpression(text: string): string | undefined {
  const tokens = text.match(/[()]|[^\s()]+/g);
  if (tokens === null) return undefined;
  return new ExpressionParser(tokens).parse();
}

/** True when a normalised expression joins several terms (and so needs brackets inside another). */
export function isCompoundExpression(expression: string): boolean {
  return /\s/.test(expression);
}

/**
 * The `LicenseRef-` id for a licence string that is not an SPDX expression: letters, digits, `.`
 * and `-` only.
 * @example licenseRefFor('GPL-2+ with exception') // 'LicenseRef-GPL-2-with-exception'
 */
export function licenseRefFor(text: string): string {
  const sanitized = text
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  return `LicenseRef-${sanitized === '' ? 'unknown' : sanitized}`;
}

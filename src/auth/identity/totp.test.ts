import { describe, expect, it } from 'vitest';

import {
  isTotpCode,
  matchTotpStep,
  newTotpSeed,
  qrCodeSvg,
  totpCode,
  totpStep,
  totpUri,
} from './totp.js';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII of "12345678901234567890"; its 8-digit codes
// end in the 6-digit codes authenticator apps show.
const rfcSeed = Buffer.from('12345678901234567890');
const rfcVectors: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it.each(rfcVectors)('gives the RFC 6238 code at T=%i', (seconds, code) => {
    expect(totpCode(rfcSeed, totpStep(seconds * 1000))).toBe(code.slice(2));
  });

  it('accepts the current step and one either side, naming the step, and nothing further', () => {
    const now = 1_700_000_000_000;
    const step = totpStep(now);
    for (const delta of [-1, 0, 1]) {
      expect(matchTotpStep(rfcSeed, totpCode(rfcSeed, step + delta), now)).toBe(step + delta);
    }
    for (const delta of [-3, -2, 2, 3]) {
      expect(matchTotpStep(rfcSeed, totpCode(rfcSeed, step + delta), now)).toBeUndefined();
    }
  });

  it('refuses codes of the wrong shape', () => {
    const now = 1_700_000_000_000;
    const code = totpCode(rfcSeed, totpStep(now));
    expect(matchTotpStep(rfcSeed, `${code}0`, now)).toBeUndefined();
    expect(matchTotpStep(rfcSeed, code.slice(1), now)).toBeUndefined();
    expect(matchTotpStep(rfcSeed, '', now)).toBeUndefined();
    expect(matchTotpStep(rfcSeed, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(totpStep(now));
    expect(isTotpCode('123456')).toBe(true);
    expect(isTotpCode('12345a')).toBe(false);
    expect(isTotpCode('abcd-efgh-jkmn-pqrs')).toBe(false);
  });

  it('makes 160-bit seeds shown in base32 and an otpauth URI that names issuer and user', () => {
    const { seed, base32 } = newTotpSeed();
    expect(seed).toHaveLength(20);
    expect(base32).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(totpUri(seed, 'alice'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Moat:alice');
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      issuer: 'Moat',
      secret: base32,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });

  it('draws the URI as an SVG QR code', () => {
    const svg = qrCodeSvg(totpUri(newTotpSeed().seed, 'alice'));
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toMatch(/<\/svg>\s*$/);
    expect(svg).not.toMatch(/<script/i);
  });
});

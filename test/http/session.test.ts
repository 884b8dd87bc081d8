import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiToken } from '../../src/config/config.js';
import { issueSession, SESSION_TTL_MS, verifySession } from '../../src/http/session.js';

const reader: ApiToken = { name: 'reader', token: 'reader-token-0123456789', scopes: new Set(['read']) };
const other: ApiToken = { name: 'other', token: 'other-token-9876543210', scopes: new Set(['read']) };
const now = new Date('2026-01-01T12:00:00Z');

describe('browser sessions', () => {
  it('accept a fresh session until it expires, then not', () => {
    const value = issueSession(reader, now);
    expect(verifySession(value, [other, reader], now)).toEqual({ token: reader });
    expect(verifySession(value, [reader], new Date(now.getTime() + SESSION_TTL_MS - 1))).toEqual({ token: reader });
    expect(verifySession(value, [reader], new Date(now.getTime() + SESSION_TTL_MS))).toEqual({ problem: 'expired' });
  });

  it('are not accepted once the token that signed them is gone or rotated', () => {
    const value = issueSession(reader, now);
    expect(verifySession(value, [other], now)).toEqual({ problem: 'forged' });
    expect(verifySession(value, [{ ...reader, token: 'reader-token-rotated-000' }], now)).toEqual({ problem: 'forged' });
  });

  it('reject every cookie that differs from an issued one in any character', () => {
    const value = issueSession(reader, now);
    const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.';
    fc.assert(fc.property(fc.nat(value.length - 1), fc.constantFrom(...alphabet), (at, char) => {
      fc.pre(value[at] !== char);
      const changed = `${value.slice(0, at)}${char}${value.slice(at + 1)}`;
      expect('token' in verifySession(changed, [reader, other], now)).toBe(false);
    }), { numRuns: 500 });
  });
});

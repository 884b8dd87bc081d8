/**
 * Browser sessions for the status page: a read token, presented once to the login form, is traded
 * for a signed, expiring cookie. The cookie names the token and carries an HMAC keyed by a key
 * derived from the token itself, so it never contains the token, every replica with the same
 * tokens accepts it, and removing or rotating the token in PARITY_API_TOKENS ends its sessions.
 * Pure: the token list and `now` come in.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiToken } from '../config/config.js';

/** The cookie's name. */
export const SESSION_COOKIE = 'parity_session';

/** How long a session lasts; a person signs in again after a working day. */
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

const VERSION = 'v1';

function sessionKey(token: ApiToken): Buffer {
  // A key derived from the token, never the token: the cookie's HMAC does not reveal it.
  return createHmac('sha256', token.token).update('parity browser session key v1').digest();
}

function sign(token: ApiToken, payload: string): Buffer {
  return createHmac('sha256', sessionKey(token)).update(payload).digest();
}

/** The cookie value for a session of `token` that starts at `now`. */
export function issueSession(token: ApiToken, now: Date): string {
  const payload = [VERSION, Buffer.from(token.name).toString('base64url'), String(now.getTime() + SESSION_TTL_MS), randomBytes(12).toString('base64url')].join('.');
  return `${payload}.${sign(token, payload).toString('base64url')}`;
}

/** Why a cookie was not accepted; for the login page's message, never for the caller's scopes. */
export type SessionProblem = 'malformed' | 'forged' | 'expired';

/** The token a session cookie stands for, or why it stands for none. */
export function verifySession(
  value: string,
  tokens: readonly ApiToken[],
  now: Date,
): { token: ApiToken } | { problem: SessionProblem } {
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) return { problem: 'malformed' };
  const [, encodedName, expiresText, , signatureText] = parts as [string, string, string, string, string];
  const presented = Buffer.from(signatureText, 'base64url');
  // Base64 text has spare bits; only the one canonical spelling of a signature is accepted.
  if (presented.toString('base64url') !== signatureText) return { problem: 'forged' };
  const payload = parts.slice(0, 4).join('.');
  const name = Buffer.from(encodedName, 'base64url').toString();
  // Constant time, like bearer tokens: the signature is compared whole, whatever it starts with.
  const token = tokens.find((t) => t.name === name && presented.length === 32 && timingSafeEqual(sign(t, payload), presented));
  if (!token) return { problem: 'forged' };
  const expires = Number(expiresText);
  // A signed expiry further out than one session from now was not issued by this clock's server.
  if (!/^\d+$/.test(expiresText) || expires <= now.getTime() || expires > now.getTime() + SESSION_TTL_MS + 60_000) return { problem: 'expired' };
  return { token };
}

/**
 * Bearer-token authentication with `read` and `run` scopes. With no tokens configured the server
 * only listens on loopback (enforced in config), and every local caller is trusted. Browsers may
 * instead present a session cookie (session.ts): it reads, on GET and HEAD only, and nothing more.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ApiToken, Scope } from '../config/config.js';
import type { Clock } from '../runner/clock.js';
import { ApiError } from './errors.js';
import { SESSION_COOKIE, verifySession } from './session.js';

/** Who is calling; `session` marks a browser session cookie rather than a bearer token. */
export interface Principal { name: string; scopes: Set<Scope>; session?: true }

export type AuthVariables = { principal: Principal };

const LOCAL: Principal = { name: 'local', scopes: new Set<Scope>(['read', 'run']) };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The only methods a browser session cookie is honoured on. */
const SESSION_METHODS = new Set(['GET', 'HEAD']);
const LOOPBACK_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

function foreign(origin: string, host: string): boolean {
  try {
    return new URL(origin).host !== host;
  } catch {
    // "null" (sandboxed frames, file: pages) and garbage are not the server's own origin.
    return true;
  }
}

/**
 * True when a browser says the request comes from another site than the one it is sent to:
 * Sec-Fetch-Site, else Origin, else (older browsers' plain GETs carry neither) Referer.
 */
export function isCrossSite(c: Context): boolean {
  const host = new URL(c.req.url).host;
  const fetchSite = c.req.header('sec-fetch-site');
  if (fetchSite === 'cross-site' || fetchSite === 'same-site') return true;
  const origin = c.req.header('origin');
  if (origin !== undefined) return foreign(origin, host);
  const referer = c.req.header('referer');
  return referer !== undefined && foreign(referer, host);
}

/**
 * True only when the browser positively says the request comes from this very origin
 * (Sec-Fetch-Site, else Origin). Forms that sign in or out need that proof; absence is refusal.
 */
export function isSameOrigin(c: Context): boolean {
  const fetchSite = c.req.header('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite === 'same-origin';
  const origin = c.req.header('origin');
  return origin !== undefined && !foreign(origin, new URL(c.req.url).host);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Finds the configured token a caller presented, comparing digests in constant time. */
export function tokenMatcher(tokens: readonly ApiToken[]): (presented: string) => ApiToken | undefined {
  const known = tokens.map((t) => ({ token: t, digest: digest(t.token) }));
  return (presented) => {
    const presentedDigest = digest(presented);
    // Digests of equal length, compared whole: response timing does not reveal token prefixes.
    return known.find((t) => timingSafeEqual(t.digest, presentedDigest))?.token;
  };
}

/** What a session cookie may do: read, and only by methods that change nothing. */
const SESSION_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['read']);

/**
 * The token in an Authorization header: `Bearer <token>`, or `Basic base64(<any name>:<token>)` for
 * clients that can only carry credentials in the URL (Flagger webhooks: Go turns
 * `http://name:token@host/…` into Basic auth).
 */
function presentedSecret(header: string): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}

/** Identifies the caller (or rejects a bad token) and stores the principal on the context. */
export function authenticate(tokens: readonly ApiToken[], clock: Pick<Clock, 'now'>): MiddlewareHandler<{ Variables: AuthVariables }> {
  const match = tokenMatcher(tokens);
  return async function authenticateBearer(c, next) {
    if (tokens.length === 0) {
      // Loopback without tokens trusts local callers, but a web page in the operator's browser is
      // local too: refuse cross-site writes, which browsers mark with Origin (CSRF).
      const url = new URL(c.req.url);
      if (!SAFE_METHODS.has(c.req.method) && isCrossSite(c)) {
        throw new ApiError(403, 'cross_origin', 'cross-site requests may not change state on a server without API tokens');
      }
      // DNS rebinding: a page whose own host name resolves to 127.0.0.1 could otherwise read results.
      if (!LOOPBACK_HOSTNAMES.has(url.hostname)) {
        throw new ApiError(403, 'host_not_allowed', 'without API tokens only loopback host names (localhost, 127.0.0.1, [::1]) are served');
      }
      c.set('principal', LOCAL);
      return next();
    }
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const secret = presentedSecret(header);
      const found = secret !== undefined ? match(secret) : undefined;
      if (!found) throw new ApiError(401, 'unauthorized', 'invalid bearer token');
      c.set('principal', { name: found.name, scopes: found.scopes });
      return next();
    }
    // A session only ever reads: on any other method the cookie is ignored (the route answers 401).
    const cookie = SESSION_METHODS.has(c.req.method) ? getCookie(c, SESSION_COOKIE) : undefined;
    if (cookie !== undefined) {
      const session = verifySession(cookie, tokens, clock.now());
      if ('token' in session && session.token.scopes.has('read')) {
        c.set('principal', { name: session.token.name, scopes: new Set(SESSION_SCOPES), session: true });
      }
    }
    return next();
  };
}

/** Requires a scope on the route; anonymous callers get 401, under-scoped ones 403. */
export function requireScope(scope: Scope): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function requireTokenScope(c, next) {
    const principal = c.get('principal');
    if (!principal) throw new ApiError(401, 'unauthorized', `a bearer token with the "${scope}" scope is required`);
    if (!principal.scopes.has(scope)) throw new ApiError(403, 'forbidden', `token "${principal.name}" lacks the "${scope}" scope`);
    return next();
  };
}

/**
 * For GET routes that have effects (a gate GET records a decision): a browser request from another
 * site is refused, tokens or not, so a page the operator visits cannot write the audit trail; and a
 * browser session, which may only look, does not count as a caller here.
 */
export function refuseCrossSite(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function refuseCrossSiteRequest(c, next) {
    if (isCrossSite(c)) throw new ApiError(403, 'cross_origin', 'cross-site requests are refused on routes that record anything');
    if (c.get('principal')?.session) throw new ApiError(401, 'unauthorized', 'a browser session only reads; this route records a decision and needs a bearer token');
    return next();
  };
}

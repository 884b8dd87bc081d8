/**
 * Bearer-token authentication with `read` and `run` scopes. With no tokens configured the server
 * only listens on loopback (enforced in config), and every local caller is trusted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiToken, Scope } from '../config.js';
import { ApiError } from './errors.js';

export interface Principal { name: string; scopes: Set<Scope> }

export type AuthVariables = { principal: Principal };

const LOCAL: Principal = { name: 'local', scopes: new Set<Scope>(['read', 'run']) };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Identifies the caller (or rejects a bad token) and stores the principal on the context. */
export function authenticate(tokens: readonly ApiToken[]): MiddlewareHandler<{ Variables: AuthVariables }> {
  const known = tokens.map((t) => ({ ...t, digest: digest(t.token) }));
  return async function authenticateBearer(c, next) {
    if (known.length === 0) {
      c.set('principal', LOCAL);
      return next();
    }
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const presented = match ? digest(match[1]!) : undefined;
      // Compare digests in constant time so response timing does not reveal token prefixes.
      const found = presented && known.find((t) => timingSafeEqual(t.digest, presented));
      if (!found) throw new ApiError(401, 'unauthorized', 'invalid bearer token');
      c.set('principal', { name: found.name, scopes: found.scopes });
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

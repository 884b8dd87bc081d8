/**
 * One log line per request: method, route pattern (`/v1/runs/:id`, never the raw path with ids or
 * query strings), status, duration and the caller's token *name*. Refused requests (401, 403) log
 * at warn, server errors at error, so authentication failures show without a second line.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from '../logging/logger.js';
import type { AuthVariables } from './auth.js';

/** The level an answer is logged at. */
export function accessLogLevel(status: number): 'info' | 'warn' | 'error' {
  if (status >= 500) return 'error';
  return status === 401 || status === 403 ? 'warn' : 'info';
}

/** The access-log middleware; mounted first, so rejected requests are logged too. */
export function accessLog(logger: Logger): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async function logRequest(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = c.res.status;
      const level = accessLogLevel(status);
      if (logger.isLevelEnabled(level)) {
        // After next(), the route index is the handler's: its pattern, not the catch-all middleware's.
        const route = c.req.routeIndex >= 0 ? routePath(c) : '';
        logger[level]({
          method: c.req.method, route: route === '*' || route === '/*' || route === '' ? '(no route)' : route, status,
          duration_ms: Math.round((performance.now() - started) * 100) / 100, caller: c.get('principal')?.name ?? null,
        }, status === 401 || status === 403 ? 'request refused' : 'request');
      }
    }
  };
}

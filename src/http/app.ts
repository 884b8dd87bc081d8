/**
 * The HTTP API. Route files register themselves on one OpenAPIHono app; everything they need
 * comes in through AppDeps, so tests build the real app and call app.request() — no server.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Service } from '../service/service.js';
import type { RunEventHub } from '../events/run-event-hub.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import { authenticate, type AuthVariables } from './auth.js';
import { accessLog } from './access-log.js';
import { ApiError, errorResponse, handleError } from './errors.js';

export interface AppDeps {
  service: Service;
  /** Metrics (GET /metrics, HTTP server metrics); absent → /metrics answers 404. */
  telemetry?: Telemetry | undefined;
  /** Live run events for GET /v1/runs/:id/events; absent → the stream polls the store. */
  runEvents?: RunEventHub | undefined;
}

export type AppEnv = { Variables: AuthVariables };
export type App = OpenAPIHono<AppEnv>;

/** Request bodies are small JSON selectors; anything larger is a mistake or an attack. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Validation failures become 422 with the path and message of each problem. */
export function createRouter(): App {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const problems = result.error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
        return errorResponse(c, 422, 'invalid_request', 'the request did not validate', { problems });
      }
      return undefined;
    },
  });
}

export type RouteRegistrar = (app: App, deps: AppDeps) => void;

/** Builds the app with the given route registrars (each route file exports one). */
export function createApp(deps: AppDeps, registrars: readonly RouteRegistrar[]): App {
  const app = createRouter();
  app.onError((error, c) => handleError(error, c, deps.service.logger));
  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`));
  // Every answer is live state — a gate's verdict above all. A 200 without freshness information
  // may be stored and replayed by any cache on the way (RFC 9111 heuristic freshness), which would
  // serve an earlier "allowed" after the gate closed: nothing is stored unless a route says otherwise.
  // Set before the route runs, so it is part of every response the context builds (a header set on
  // a finished response can be lost when the Node adapter's lightweight Response is rebuilt); a
  // route that says otherwise (streams, pages) overrides it, and a response built apart gets it after.
  app.use('*', async function noStore(c, next) {
    c.header('cache-control', 'no-store');
    await next();
    if (!c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  });
  // First, so rejected requests (413, 401) are logged and measured too.
  if (deps.service.logger) app.use('*', accessLog(deps.service.logger));
  if (deps.telemetry) app.use('*', deps.telemetry.httpMiddleware);
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => { throw new ApiError(413, 'payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`); },
  });
  // The Node adapter never gives a GET or HEAD a body, so the limit has nothing to measure there;
  // asking (`c.req.raw.body`) builds a full fetch Request, ~40 µs of a polled gate answer.
  app.use('*', async function limitRequestBody(c, next) {
    return c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next);
  });
  app.use('*', authenticate(deps.service.config.apiTokens, deps.service.clock));
  for (const register of registrars) register(app, deps);
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'parity', version: '0.1.0', description: 'Migration verification and shadow comparison',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    // Relative: the document describes the server that serves it, whatever host or proxy it sits behind.
    servers: [{ url: '/', description: 'the parity server this document was fetched from' }],
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  return app;
}

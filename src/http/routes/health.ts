/**
 * Liveness and readiness. Both answer without a token (load balancers and orchestrators call
 * them), so neither has effects: /readyz answers from the process's own last probe (it never
 * opens a connection for a caller), and names sources and check-file problems only to callers
 * with the read scope. Probe failures carry fault codes only; driver messages go to the log.
 */
import { createRoute } from '@hono/zod-openapi';
import type { RouteRegistrar } from '../app.js';
import { ApiError } from '../errors.js';
import { HealthSchema, ReadinessSchema, errorResponses } from '../schemas.js';
import { formatProblem } from '../../checkfile/problems.js';

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  tags: ['health'],
  summary: 'Liveness: the process is up',
  // Anonymous callers are welcome; a bearer token that is sent must still be valid (else 401).
  security: [{}, { bearer: [] }],
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: HealthSchema } } }, ...errorResponses(401) },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: ['health'],
  summary: 'Readiness from the last probe of the state store and every source; details need the read scope',
  security: [{}, { bearer: [] }],
  responses: {
    200: { description: 'ready, or degraded (the check files on disk do not load; the last good ones are in use and gates answer 503)', content: { 'application/json': { schema: ReadinessSchema } } },
    ...errorResponses(401, 503),
  },
});

/** GET /healthz and GET /readyz. */
export const registerHealthRoutes: RouteRegistrar = (app, { service }) => {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const detailed = c.get('principal')?.scopes.has('read') === true;
    const snapshot = service.readiness.current();
    if (!snapshot) throw new ApiError(503, 'not_ready', 'not ready: no readiness probe has finished yet');
    const names = Object.keys(snapshot.sources);
    const failed = [
      ...(snapshot.store.status === 'error' ? ['store'] : []),
      ...names.filter((name) => snapshot.sources[name]!.status === 'error').map((name) => `source "${name}"`),
    ];
    const catalog = service.catalogStatus();
    const details = {
      checked_at: snapshot.checkedAt.toISOString(),
      store: snapshot.store,
      sources: snapshot.sources,
      catalog: { valid: catalog.valid, loaded_at: catalog.loadedAt.toISOString(), problems: catalog.problems.map(formatProblem) },
    };
    if (failed.length > 0) {
      // Strangers learn that something is down, not what: source names describe the estate.
      if (!detailed) throw new ApiError(503, 'not_ready', `not ready: ${failed.length} component(s) did not answer at the last probe`, { checked_at: details.checked_at });
      throw new ApiError(503, 'not_ready', `not ready: ${failed.join(', ')} did not answer`, details);
    }
    const status = catalog.valid ? 'ready' as const : 'degraded' as const;
    return c.json(detailed ? { status, ...details } : { status, checked_at: details.checked_at }, 200);
  });
};

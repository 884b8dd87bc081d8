/** The catalog of declared checks, with each one's latest result, and a check's result history. */
import { createRoute } from '@hono/zod-openapi';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { ApiError } from '../errors.js';
import { CheckHistorySchema, CheckIdParamSchema, CheckListSchema, LimitQuerySchema, errorResponses } from '../schemas.js';
import { serializeCheck, serializeResult } from '../serialize.js';

const listChecksRoute = createRoute({
  method: 'get',
  path: '/v1/checks',
  operationId: 'listChecks',
  tags: ['checks'],
  summary: 'Declared checks with their sources, location and latest finished result',
  security: [{ bearer: [] }],
  middleware: [requireScope('read')] as const,
  responses: {
    200: { description: 'the catalog', content: { 'application/json': { schema: CheckListSchema } } },
    ...errorResponses(401, 403),
  },
});

const checkHistoryRoute = createRoute({
  method: 'get',
  path: '/v1/checks/{id}/results',
  operationId: 'listCheckResults',
  tags: ['checks'],
  summary: "A check's results, newest first, with samples",
  security: [{ bearer: [] }],
  middleware: [requireScope('read')] as const,
  request: { params: CheckIdParamSchema, query: LimitQuerySchema },
  responses: {
    200: { description: 'result history', content: { 'application/json': { schema: CheckHistorySchema } } },
    ...errorResponses(401, 403, 404, 422),
  },
});

/** GET /v1/checks and GET /v1/checks/{id}/results. */
export const registerCheckRoutes: RouteRegistrar = (app, { service }) => {
  app.openapi(listChecksRoute, async (c) => {
    await service.ensureCurrentCatalog();
    const catalog = service.catalog();
    const checks = [...catalog.checks.values()];
    const latest = await service.store.latestFinished(checks.map((check) => check.spec.id));
    const sourceOf = (name: string) => catalog.sources.get(name);
    return c.json({ checks: checks.map((check) => serializeCheck(check, sourceOf, latest.get(check.spec.id))) }, 200);
  });

  app.openapi(checkHistoryRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    // An id that is not declared is almost always a typo; an empty history would hide it.
    if (!service.catalog().checks.has(id)) throw new ApiError(404, 'check_not_found', `no check "${id}" is declared`);
    const results = await service.store.checkHistory(id, limit);
    return c.json({ check_id: id, results: results.map(serializeResult) }, 200);
  });
};

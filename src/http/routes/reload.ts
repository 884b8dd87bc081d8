/**
 * POST /v1/reload: read the check files again now (the server also reloads on SIGHUP, when the
 * files change, and before every gate answer). Files that do not load leave the last good catalog
 * in place and answer 422 with every problem as file:line:column.
 */
import { createRoute } from '@hono/zod-openapi';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { ReloadSchema, errorResponses } from '../schemas.js';

const reloadRoute = createRoute({
  method: 'post',
  path: '/v1/reload',
  operationId: 'reloadCheckFiles',
  tags: ['checks'],
  summary: 'Reload the check files (needs the run scope); 422 keeps the last good catalog',
  security: [{ bearer: [] }],
  middleware: [requireScope('run')] as const,
  responses: {
    200: { description: 'the files loaded and are in use', content: { 'application/json': { schema: ReloadSchema } } },
    ...errorResponses(401, 403, 422),
  },
});

/** POST /v1/reload. */
export const registerReloadRoutes: RouteRegistrar = (app, { service }) => {
  app.openapi(reloadRoute, async (c) => {
    // A CheckFileError becomes 422 invalid_check_files with the problems (errors.ts).
    const catalog = await service.reload();
    return c.json({
      reloaded: true as const, checks: catalog.checks.size, sources: catalog.sources.size, migrations: catalog.migrations.size,
      loaded_at: service.catalogStatus().loadedAt.toISOString(),
    }, 200);
  });
};

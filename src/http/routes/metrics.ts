/**
 * GET /metrics: the Prometheus text exposition of parity's metrics, served by the API server itself
 * (no second port to secure). Same rule as every read: the `read` scope when tokens are configured;
 * Prometheus sends one with `authorization: { credentials: … }` in its scrape config.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { errorResponses } from '../schemas.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../telemetry/meter-provider.js';

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: ['telemetry'],
  summary: 'Metrics in the Prometheus text format (0.0.4)',
  description: 'Check outcomes, durations, latest mismatches, last-verified times, gate verdicts, scheduler and HTTP metrics. '
    + 'Every name is declared in src/telemetry/instruments.ts.',
  security: [{ bearer: [] }],
  middleware: [requireScope('read')] as const,
  responses: {
    200: { description: 'the metrics', content: { 'text/plain': { schema: z.string() } } },
    ...errorResponses(401, 403),
  },
});

/** GET /metrics, when the app has telemetry. */
export const registerMetricsRoutes: RouteRegistrar = (app, { telemetry }) => {
  if (!telemetry) return;
  app.openapi(metricsRoute, async (c) => {
    const text = await telemetry.scrape();
    return c.text(text, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
  });
};

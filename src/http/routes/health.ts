/**
 * Liveness and readiness. Both are unauthenticated (load balancers and orchestrators call them),
 * so readiness reports only fault codes; the driver's message, which may name hosts and users,
 * goes to the log.
 */
import { createRoute, type z } from '@hono/zod-openapi';
import type { RouteRegistrar } from '../app.js';
import { ApiError } from '../errors.js';
import { ComponentSchema, HealthSchema, ReadinessSchema, errorResponses } from '../schemas.js';
import { SourceQueryError, classifyError } from '../../sources/errors.js';
import type { FaultInfo } from '../../results/fault.js';
import type { Logger } from '../../logging/logger.js';
import { inspectSource } from '../../sources/preflight.js';
import type { Source } from '../../sources/types.js';

type Component = z.output<typeof ComponentSchema>;

/** A probe that neither answers nor fails (a black-holed host) must not hang the orchestrator's check. */
export const PROBE_TIMEOUT_MS = 5_000;

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Liveness: the process is up',
  responses: { 200: { description: 'alive', content: { 'application/json': { schema: HealthSchema } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'Readiness: the state store and every declared source answer',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: ReadinessSchema } } },
    ...errorResponses(503),
  },
});

class ProbeTimeout extends Error {
  override readonly name = 'ProbeTimeout';
}

async function probe(name: string, work: () => Promise<void>, logger: Logger | undefined): Promise<Component> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ProbeTimeout()), PROBE_TIMEOUT_MS); }),
    ]);
    return { status: 'ok' };
  } catch (error) {
    const fault: FaultInfo = error instanceof ProbeTimeout
      ? { code: 'timeout', message: `no answer within ${PROBE_TIMEOUT_MS} ms` }
      : error instanceof SourceQueryError ? error.fault : classifyError(error);
    logger?.warn({ component: name, code: fault.code, sqlstate: fault.sqlstate, reason: fault.message }, 'readiness probe failed');
    return { status: 'error', code: fault.code, ...(fault.sqlstate ? { sqlstate: fault.sqlstate } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

/** How many preflight warnings a source raises; undefined when it could not be asked within the probe timeout. */
async function preflightCount(name: string, open: () => Promise<Source>, logger: Logger | undefined): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const identity = await Promise.race([
      open().then(inspectSource),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new ProbeTimeout()), PROBE_TIMEOUT_MS); }),
    ]);
    if (identity.privilege_warnings.length > 0) logger?.warn({ component: `source ${name}`, privilege_warnings: identity.privilege_warnings }, 'source role is not least-privilege');
    return identity.privilege_warnings.length;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** GET /healthz and GET /readyz. */
export const registerHealthRoutes: RouteRegistrar = (app, { service }) => {
  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const registry = service.sources();
    const names = registry.names();
    const [store, ...sources] = await Promise.all([
      probe('store', () => service.store.ping(), service.logger),
      ...names.map((name) => probe(`source ${name}`, async () => (await registry.get(name)).ping(), service.logger)),
    ]);
    // The least-privilege preflight, as a count only (this route is unauthenticated); it never makes a source unready.
    await Promise.all(names.map(async (name, i) => {
      if (sources[i]!.status !== 'ok') return;
      const warnings = await preflightCount(name, () => registry.get(name), service.logger);
      if (warnings !== undefined) sources[i] = { ...sources[i]!, privilege_warnings: warnings };
    }));
    const bySource = Object.fromEntries(names.map((name, i) => [name, sources[i]!]));
    const failed = [
      ...(store!.status === 'error' ? ['store'] : []),
      ...names.filter((name) => bySource[name]!.status === 'error').map((name) => `source "${name}"`),
    ];
    if (failed.length > 0) {
      throw new ApiError(503, 'not_ready', `not ready: ${failed.join(', ')} did not answer`, { store, sources: bySource });
    }
    return c.json({ status: 'ready' as const, store: store!, sources: bySource }, 200);
  });
};

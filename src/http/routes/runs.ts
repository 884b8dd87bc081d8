/**
 * Starting, watching and cancelling runs. A run starts in the background and the API answers 202
 * at once; `?wait=true` holds the request until the run finishes or the wait bound elapses.
 */
import { createRoute } from '@hono/zod-openapi';
import { TERMINAL_RUN_STATUSES } from '../../store/runs.js';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { ApiError } from '../errors.js';
import {
  LimitQuerySchema, RunDetailEnvelopeSchema, RunEnvelopeSchema, RunIdParamSchema, RunListSchema, RunRequestSchema,
  RunStartQuerySchema, errorResponses, type RunRequestBody,
} from '../schemas.js';
import { serializeRun, serializeRunDetail } from '../serialize.js';
import { CheckFileError } from '../../checkfile/problems.js';
import { selectChecks } from '../../catalog/load.js';
import type { Catalog, LoadedCheck } from '../../catalog/catalog.js';


const selfLink = (id: string) => `/v1/runs/${encodeURIComponent(id)}`;

const startRunRoute = createRoute({
  method: 'post',
  path: '/v1/runs',
  operationId: 'startRun',
  tags: ['runs'],
  summary: 'Run checks selected by id, by tag, or all of them',
  description: 'Answers 202 with the queued run. With ?wait=true answers 200 with the finished run, its results and samples, '
    + 'or 202 with its current state if timeout_s elapses first. A request without a body runs every check.',
  security: [{ bearer: [] }],
  middleware: [requireScope('run')] as const,
  request: {
    query: RunStartQuerySchema,
    body: { required: false, content: { 'application/json': { schema: RunRequestSchema } } },
  },
  responses: {
    200: { description: 'the finished run (with ?wait=true)', content: { 'application/json': { schema: RunDetailEnvelopeSchema } } },
    202: { description: 'the run was started; poll links.self', content: { 'application/json': { schema: RunEnvelopeSchema } } },
    ...errorResponses(400, 401, 403, 413, 415, 422),
  },
});

const listRunsRoute = createRoute({
  method: 'get',
  path: '/v1/runs',
  operationId: 'listRuns',
  tags: ['runs'],
  summary: 'Recent runs, newest first',
  security: [{ bearer: [] }],
  middleware: [requireScope('read')] as const,
  request: { query: LimitQuerySchema },
  responses: {
    200: { description: 'runs', content: { 'application/json': { schema: RunListSchema } } },
    ...errorResponses(401, 403, 422),
  },
});

const getRunRoute = createRoute({
  method: 'get',
  path: '/v1/runs/{id}',
  operationId: 'getRun',
  tags: ['runs'],
  summary: 'A run with its results, samples and, while it runs here, live progress',
  security: [{ bearer: [] }],
  middleware: [requireScope('read')] as const,
  request: { params: RunIdParamSchema },
  responses: {
    200: { description: 'the run', content: { 'application/json': { schema: RunDetailEnvelopeSchema } } },
    ...errorResponses(401, 403, 404),
  },
});

const cancelRunRoute = createRoute({
  method: 'delete',
  path: '/v1/runs/{id}',
  operationId: 'cancelRun',
  tags: ['runs'],
  summary: 'Cancel a run executing in this process; running statements are cancelled',
  security: [{ bearer: [] }],
  middleware: [requireScope('run')] as const,
  request: { params: RunIdParamSchema },
  responses: {
    202: { description: 'cancellation requested; the run ends as cancelled', content: { 'application/json': { schema: RunEnvelopeSchema } } },
    ...errorResponses(401, 403, 404, 409),
  },
});

/** Resolves a request body (or its absence, meaning all) to the checks to run, or a 422. */
export function checksForRequest(catalog: Catalog, body: RunRequestBody | undefined): LoadedCheck[] {
  if (body === undefined || body.all === true) {
    if (catalog.checks.size === 0) throw new ApiError(422, 'no_matching_checks', 'no checks are declared');
    return [...catalog.checks.values()];
  }
  const { checks, unknownIds } = selectChecks(catalog, { ids: body.ids ?? [], tags: body.tags ?? [] });
  if (unknownIds.length > 0) {
    throw new ApiError(422, 'unknown_checks', `unknown check ids: ${unknownIds.join(', ')}`, { unknown_ids: unknownIds });
  }
  if (checks.length === 0) {
    throw new ApiError(422, 'no_matching_checks', `no declared check has any of the tags ${(body.tags ?? []).join(', ')}`, { tags: body.tags ?? [] });
  }
  return checks;
}

/** Settles with true when `promise` settles, false when `ms` elapse first. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise.then(() => true, () => true),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** POST/GET/DELETE on /v1/runs. */
export const registerRunRoutes: RouteRegistrar = (app, { service }) => {
  app.openapi(startRunRoute, async (c) => {
    const query = c.req.valid('query');
    // Without a Content-Type there is no body (the media-type gate rejects bodies without one): the
    // bare `curl -X POST …/v1/runs` of the quick start runs everything. An explicit {} is still a 422.
    const body = c.req.header('content-type') === undefined ? undefined : c.req.valid('json');
    // Run what the files say now, as `parity run` would; files that do not load are a 422 (CheckFileError).
    const files = await service.ensureCurrentCatalog();
    if (!files.valid) throw new CheckFileError(files.problems);
    const checks = checksForRequest(service.catalog(), body);
    const { run, finished } = await service.runner.start({
      checks,
      trigger: 'api',
      requestedBy: c.get('principal').name,
      selector: body ?? { all: true },
      recheck: body?.recheck,
    });
    const links = { self: selfLink(run.id) };
    c.header('Location', links.self);
    const wait = query.wait === 'true' || query.wait === '1';
    if (wait && (await settlesWithin(finished, query.timeout_s * 1000))) {
      const done = await service.store.getRun(run.id);
      if (done && TERMINAL_RUN_STATUSES.has(done.status)) return c.json({ run: serializeRunDetail(done, undefined), links }, 200);
    }
    const current = wait ? ((await service.store.getRun(run.id)) ?? run) : run;
    return c.json({ run: serializeRun(current), links }, 202);
  });

  app.openapi(listRunsRoute, async (c) => {
    const { limit } = c.req.valid('query');
    const runs = await service.store.listRuns(limit);
    return c.json({ runs: runs.map(serializeRun) }, 200);
  });

  app.openapi(getRunRoute, async (c) => {
    const { id } = c.req.valid('param');
    const run = await service.store.getRun(id);
    if (!run) throw new ApiError(404, 'run_not_found', `no run "${id}"`);
    // The runner forgets a run a moment after the store records its end; an ended run has no live progress.
    const progress = TERMINAL_RUN_STATUSES.has(run.status) ? undefined : service.runner.progressOf(id);
    return c.json({ run: serializeRunDetail(run, progress), links: { self: selfLink(id) } }, 200);
  });

  app.openapi(cancelRunRoute, async (c) => {
    const { id } = c.req.valid('param');
    const run = await service.store.getRun(id);
    if (!run) throw new ApiError(404, 'run_not_found', `no run "${id}"`);
    const ended = (status: string) => new ApiError(409, 'run_finished', `run "${id}" already ended as ${status}`, { status });
    if (TERMINAL_RUN_STATUSES.has(run.status)) throw ended(run.status);
    // Only the process executing a run can stop its statements; another replica's run is refused, not silently ignored.
    if (service.runner.progressOf(id) === undefined) {
      const now = await service.store.getRun(id);
      if (now && TERMINAL_RUN_STATUSES.has(now.status)) throw ended(now.status);
      throw new ApiError(409, 'run_not_local', `run "${id}" is executed by ${run.owner ?? 'another process'}; cancel it there`, { owner: run.owner });
    }
    // Recorded before aborting, so the run's final record always shows who stopped it and when.
    const marked = await service.store.requestCancel(id, service.clock.now());
    if (!marked) throw ended((await service.store.getRun(id))?.status ?? 'finished');
    service.runner.cancel(id);
    return c.json({ run: serializeRun(marked), links: { self: selfLink(id) } }, 202);
  });
};

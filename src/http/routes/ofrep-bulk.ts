/**
 * OFREP bulk evaluation: every MIGRATION/PHASE flag at once, for providers that fetch all flags and
 * poll (the web providers). Each flag is asked like the single evaluation — a recorded decision — and
 * a flag whose gate cannot be evaluated is a per-flag GENERAL error, never a value. An ETag over the
 * answers (not over decision ids and times) lets a poller get `304` while nothing changed.
 */
import { createHash } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import type { RouteRegistrar } from '../app.js';
import { refuseCrossSite, requireScope } from '../auth.js';
import { errorResponses } from '../schemas.js';
import { evaluateFlag, OfrepFailureSchema, OfrepSuccessSchema, readOfrepRequest } from './ofrep.js';

const BulkSchema = z.object({ flags: z.array(z.union([OfrepSuccessSchema, OfrepFailureSchema])) }).openapi('OfrepBulkEvaluation');
const BulkFailureSchema = z.object({ errorCode: z.enum(['PARSE_ERROR', 'INVALID_CONTEXT']), errorDetails: z.string() }).openapi('OfrepBulkFailure');

const bulkRoute = createRoute({
  method: 'post', path: '/ofrep/v1/evaluate/flags', tags: ['openfeature'], operationId: 'ofrepEvaluateAllFlags',
  summary: 'OFREP: evaluate every MIGRATION/PHASE flag (each a recorded gate decision); If-None-Match → 304 while unchanged',
  security: [{ bearer: [] }], middleware: [requireScope('read'), refuseCrossSite()] as const,
  responses: {
    200: { description: 'every flag; a gate that could not be evaluated is a GENERAL error for that flag', content: { 'application/json': { schema: BulkSchema } } },
    304: { description: 'the answers are those of the ETag sent in If-None-Match' },
    400: { description: 'PARSE_ERROR or INVALID_CONTEXT', content: { 'application/json': { schema: BulkFailureSchema } } },
    ...errorResponses(401, 403),
  },
});

/** What the ETag covers: values, variants and reasons; a new decision id or time alone is no change. */
function etagOf(flags: z.output<typeof BulkSchema>['flags']): string {
  const material = flags.map((f) => ('value' in f
    ? [f.key, f.value, f.variant, f.metadata.reasons_json]
    : [f.key, f.errorCode, f.errorDetails]));
  return `"${createHash('sha256').update(JSON.stringify(material)).digest('base64url').slice(0, 32)}"`;
}

/** POST /ofrep/v1/evaluate/flags. */
export const registerOfrepBulkRoutes: RouteRegistrar = (app, { service }) => {
  app.openapi(bulkRoute, async (c) => {
    const failure = await readOfrepRequest(c, '');
    if (failure) return c.json({ errorCode: failure.errorCode as 'PARSE_ERROR' | 'INVALID_CONTEXT', errorDetails: failure.errorDetails }, 400);
    // The flags are the phases the files on disk declare now (the gate answers check the same).
    await service.ensureCurrentCatalog();
    const keys = [...service.catalog().migrations.values()].flatMap((m) => m.spec.phases.map((p) => `${m.spec.id}/${p.name}`));
    const requestedBy = c.get('principal')?.name;
    const flags = [];
    for (const key of keys) flags.push((await evaluateFlag(service, key, requestedBy)).body);
    const etag = etagOf(flags);
    c.header('ETag', etag);
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    return c.json({ flags }, 200);
  });
};

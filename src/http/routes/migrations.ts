/**
 * Migrations and their phase gates. Every gate request says which form it reads: `?respond=body`
 * answers 200 whether allowed or denied (for pollers and Argo, which read `allowed`), and
 * `?respond=status` makes the status the answer (200 allowed, 412 denied) for consumers that look
 * only at it (`curl --fail`, probes, webhooks). Either way "could not evaluate" is 503 with
 * `allowed: false`. A GET or POST that says neither is `400 respond_required`: a status reader
 * would take a body-form denial (a 200) for "go". HEAD, which has no body, is always by status.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { GateDecision } from '../../gate/gate-service.js';
import { GateUnavailableError, UnknownMigrationError, UnknownPhaseError } from '../../gate/gate-errors.js';
import { GATE_DENIALS } from '../../gate/denials.js';
import { phaseRequirements } from '../../gate/requirements.js';
import { redact } from '../../logging/secrets.js';
import type { LoadedMigration } from '../../catalog/catalog.js';
import type { GateDecisionRecord } from '../../store/gates.js';
import type { AppEnv, RouteRegistrar } from '../app.js';
import { refuseCrossSite, requireScope } from '../auth.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas.js';
import { decisionAllows } from '../../gate/allows.js';

const timestamp = z.string().openapi({ format: 'date-time' });

const GateCheckSchema = z.object({
  id: z.string(),
  status: z.string().openapi({ description: 'pass | fail | error | running | missing' }),
  result_id: z.string().nullable(),
  finished_at: timestamp.nullable(),
  age_s: z.number().nullable(),
  max_age_s: z.number(),
  required_by: z.array(z.string()).openapi({ description: 'the phases that require this check' }),
  reason: z.string().nullable().openapi({ description: 'why this check keeps the gate closed; null when it counts' }),
  denial: z.enum(GATE_DENIALS).nullable().openapi({ description: 'the reason as a stable code (stale_definition: a pass of an older check definition); null when it counts' }),
  caveat: z.string().nullable().optional().openapi({ description: 'a pass that counts on partial evidence its check file asked for (unused with evidence: catalog): what was not read; null otherwise' }),
}).openapi('GateCheck');

const GateVerdictSchema = z.object({
  migration: z.string(),
  phase: z.string(),
  allowed: z.boolean(),
  evaluated_at: timestamp,
  checks: z.array(GateCheckSchema),
  reasons: z.array(z.string()),
}).openapi('GateVerdict');

const GateDecisionSchema = GateVerdictSchema.extend({
  id: z.string().nullable().openapi({ description: 'the recorded decision' }),
  requested_by: z.string().nullable(),
  refreshed: z.boolean(),
  run_id: z.string().nullable().openapi({ description: 'the run a refresh started' }),
  evaluated: z.boolean(),
}).openapi('GateDecision');

const GateUnavailableSchema = GateDecisionSchema.extend({
  error: z.object({ code: z.literal('gate_unavailable'), message: z.string() }),
}).openapi('GateUnavailable');

const PhaseSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  requires: z.array(z.string()),
  inherits: z.array(z.string()).openapi({ description: 'checks required through earlier phases' }),
  max_age_s: z.number(),
  require_earlier_phases: z.boolean(),
  coverage: z.enum(['full', 'continuous']).openapi({ description: 'continuous: incremental passes on an unbroken chain count; full: only full passes count' }),
});

const MigrationSchema = z.object({
  id: z.string(),
  description: z.string().nullable(),
  file: z.string(),
  line: z.number(),
  column: z.number(),
  phases: z.array(PhaseSchema),
}).openapi('Migration');

const MigrationDetailSchema = MigrationSchema.extend({
  gates: z.array(GateVerdictSchema).openapi({ description: 'the current verdict per phase (a preview: not recorded as a decision)' }),
}).openapi('MigrationDetail');

const DecisionRecordSchema = z.object({
  id: z.string(),
  migration: z.string(),
  phase: z.string(),
  allowed: z.boolean(),
  requested_by: z.string().nullable(),
  reasons: z.array(z.string()),
  checks: z.array(z.record(z.string(), z.unknown())),
  evaluated_at: timestamp,
  repeat_count: z.number().int().openapi({ description: 'how many times this answer was given on the same evidence to the same caller (identical polls are counted, not recorded again)' }),
  last_seen_at: timestamp.openapi({ description: 'when this answer was last given' }),
}).openapi('GateDecisionRecord');

const MigrationParams = z.object({ id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' } }) });
const GateParams = MigrationParams.extend({ phase: z.string().min(1).max(200).openapi({ param: { name: 'phase', in: 'path' } }) });
// Optional to the validator only: HEAD (not in the document) is answered without it, and a GET or
// POST without it gets the 400 respond_required below rather than a generic 422. The document says
// required, because for every operation it lists it is: a generated client must always send it.
const respond = z.enum(['body', 'status']).optional().openapi({
  param: { name: 'respond', in: 'query', required: true },
  description: 'required (except on HEAD, always by status): status answers 200 when allowed, 412 when denied, 503 when the gate could not be evaluated (body unchanged); body answers 200 either way (read `allowed`), 503 when it could not be evaluated. Without it: 400 respond_required',
});
/**
 * Without `respond`, a status reader (curl --fail, a probe, a webhook) would read a body-form denial
 * (a 200) as "go", and nothing in a request tells who reads the body: every ask must say.
 */
const RESPOND_REQUIRED = 'say which form of the answer you read: ?respond=status (200 allowed, 412 denied, 503 could not evaluate; for curl --fail, probes, webhooks) or ?respond=body (200 either way with `allowed`; for Argo Rollouts, scripts reading allowed)';
// Strict: a misspelt parameter (?refesh=true) is a 422, never an answer to a question not asked.
const GateQuery = z.strictObject({
  respond,
  refresh: z.string().optional().openapi({ param: { name: 'refresh', in: 'query' }, description: 'not accepted: GET never runs checks (400); use POST …?refresh=true' }),
});
const RefreshQuery = z.strictObject({
  refresh: z.enum(['true', 'false', '1', '0']).optional().openapi({ param: { name: 'refresh', in: 'query' }, description: 'run the required checks now, then answer' }),
  respond,
});
const DecisionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ param: { name: 'limit', in: 'query' } }),
  phase: z.string().min(1).max(200).optional().openapi({ param: { name: 'phase', in: 'query' } }),
});

const gateResponses = {
  200: { description: 'the decision: with ?respond=body allowed or not (read `allowed`); with ?respond=status or HEAD, allowed', content: { 'application/json': { schema: GateDecisionSchema } } },
  412: { description: 'with ?respond=status or HEAD only: the decision is "denied"', content: { 'application/json': { schema: GateDecisionSchema } } },
  503: { description: 'the gate could not be evaluated; allowed is false', content: { 'application/json': { schema: GateUnavailableSchema } } },
};

const routes = {
  list: createRoute({
    method: 'get', path: '/v1/migrations', tags: ['migrations'], summary: 'Declared migrations and their phases',
    operationId: 'listMigrations',
    security: [{ bearer: [] }], middleware: [requireScope('read')] as const,
    responses: { 200: { description: 'migrations', content: { 'application/json': { schema: z.object({ migrations: z.array(MigrationSchema) }) } } }, ...errorResponses(401, 403) },
  }),
  get: createRoute({
    method: 'get', path: '/v1/migrations/{id}', tags: ['migrations'], summary: 'A migration with the current verdict of each phase',
    operationId: 'getMigration',
    security: [{ bearer: [] }], middleware: [requireScope('read')] as const,
    request: { params: MigrationParams },
    responses: { 200: { description: 'the migration', content: { 'application/json': { schema: z.object({ migration: MigrationDetailSchema }) } } }, ...errorResponses(401, 403, 404) },
  }),
  gate: createRoute({
    method: 'get', path: '/v1/migrations/{id}/gates/{phase}', tags: ['migrations'],
    summary: 'May this phase start? Recorded as a decision; never runs checks (refresh is POST only); refused cross-site',
    operationId: 'askGate',
    security: [{ bearer: [] }], middleware: [requireScope('read'), refuseCrossSite()] as const,
    request: { params: GateParams, query: GateQuery },
    responses: { ...gateResponses, ...errorResponses(400, 401, 403, 404, 422) },
  }),
  refresh: createRoute({
    method: 'post', path: '/v1/migrations/{id}/gates/{phase}', tags: ['migrations'],
    summary: 'Ask the gate; with ?refresh=true run the required checks first (needs the run scope)',
    operationId: 'refreshGate',
    security: [{ bearer: [] }], request: { params: GateParams, query: RefreshQuery },
    responses: { ...gateResponses, ...errorResponses(400, 401, 403, 404, 422) },
  }),
  decisions: createRoute({
    method: 'get', path: '/v1/migrations/{id}/decisions', tags: ['migrations'], summary: 'Recorded gate decisions, newest first',
    operationId: 'listGateDecisions',
    security: [{ bearer: [] }], middleware: [requireScope('read')] as const,
    request: { params: MigrationParams, query: DecisionsQuery },
    responses: { 200: { description: 'decisions', content: { 'application/json': { schema: z.object({ decisions: z.array(DecisionRecordSchema) }) } } }, ...errorResponses(401, 403, 404, 422) },
  }),
};

/** A migration as the API shows it. */
export function serializeMigration(migration: LoadedMigration): z.output<typeof MigrationSchema> {
  const { spec, at } = migration;
  return {
    id: spec.id, description: spec.description ?? null, file: at.file, line: at.line, column: at.column,
    phases: spec.phases.map((phase) => ({
      name: phase.name,
      description: phase.description ?? null,
      requires: phase.requires,
      inherits: (phaseRequirements(spec, phase.name) ?? []).map((r) => r.checkId).filter((id) => !phase.requires.includes(id)),
      max_age_s: phase.max_age / 1000,
      require_earlier_phases: phase.require_earlier_phases,
      coverage: phase.coverage ?? 'full',
    })),
  };
}

function serializeDecision(d: GateDecisionRecord): z.output<typeof DecisionRecordSchema> {
  return {
    id: d.id, migration: d.migrationId, phase: d.phase, allowed: d.allowed, requested_by: d.requestedBy,
    reasons: d.reasons, checks: d.checks, evaluated_at: new Date(d.evaluatedAt).toISOString(),
    repeat_count: d.repeatCount, last_seen_at: new Date(d.lastSeenAt).toISOString(),
  };
}

/** Unknown ids become 404s with a stable code; anything else propagates. */
function notFound(error: unknown): never {
  if (error instanceof UnknownMigrationError) throw new ApiError(404, 'migration_not_found', error.message);
  if (error instanceof UnknownPhaseError) throw new ApiError(404, 'phase_not_found', error.message);
  throw error;
}

/** GET /v1/migrations, /v1/migrations/{id}, …/gates/{phase} (GET, POST ?refresh=true), …/decisions. */
export const registerMigrationRoutes: RouteRegistrar = (app, { service }) => {
  const answer = async (c: Context<AppEnv>, id: string, phase: string, refresh: boolean, byStatus: boolean) => {
    try {
      const decision: GateDecision = await service.gates.decide(id, phase, { refresh, requestedBy: c.get('principal')?.name });
      // Body and status say what every other consumer reads (gate/allows.ts): a self-contradicting answer denies.
      const allows = decisionAllows(decision);
      return c.json({ ...decision, allowed: allows }, byStatus && !allows ? 412 : 200);
    } catch (error) {
      if (!(error instanceof GateUnavailableError)) notFound(error);
      // Fail closed in the body too: a poller that only reads `allowed` still reads "no".
      const message = redact(error.message);
      return c.json({
        migration: id, phase, allowed: false, evaluated_at: service.clock.now().toISOString(), checks: [], reasons: [message],
        id: null, requested_by: c.get('principal')?.name ?? null, refreshed: refresh, run_id: null, evaluated: false,
        error: { code: 'gate_unavailable' as const, message },
      }, 503);
    }
  };

  app.openapi(routes.list, async (c) => {
    await service.ensureCurrentCatalog();
    return c.json({ migrations: [...service.catalog().migrations.values()].map(serializeMigration) }, 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    await service.ensureCurrentCatalog();
    const migration = service.catalog().migrations.get(id);
    if (!migration) notFound(new UnknownMigrationError(id, [...service.catalog().migrations.keys()]));
    const gates = await Promise.all(migration.spec.phases.map((p) => service.gates.preview(id, p.name)));
    return c.json({ migration: { ...serializeMigration(migration), gates } }, 200);
  });

  app.openapi(routes.gate, async (c) => {
    const { id, phase } = c.req.valid('param');
    const query = c.req.valid('query');
    // A GET that quietly answered from old results would pass for a refreshed "yes".
    if (query.refresh !== undefined) {
      throw new ApiError(400, 'refresh_requires_post', 'GET never runs checks; to refresh, use POST /v1/migrations/{id}/gates/{phase}?refresh=true (needs the run scope)');
    }
    // A HEAD answer has no body to read `allowed` from: its status is the whole answer.
    if (c.req.method === 'HEAD') return answer(c, id, phase, false, true);
    if (query.respond === undefined) throw new ApiError(400, 'respond_required', RESPOND_REQUIRED);
    return answer(c, id, phase, false, query.respond === 'status');
  });

  app.openapi(routes.refresh, async (c) => {
    const { id, phase } = c.req.valid('param');
    const query = c.req.valid('query');
    const refresh = ['true', '1'].includes(query.refresh ?? '');
    // Asking is reading; making the checks run is running.
    await requireScope(refresh ? 'run' : 'read')(c, async () => {});
    // Refused before anything runs: a refresh asked in no form would run checks for no answer.
    if (query.respond === undefined) throw new ApiError(400, 'respond_required', RESPOND_REQUIRED);
    return answer(c, id, phase, refresh, query.respond === 'status');
  });

  app.openapi(routes.decisions, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, phase } = c.req.valid('query');
    const decisions = await service.gates.decisions(id, { limit, phase }).catch(notFound);
    return c.json({ decisions: decisions.map(serializeDecision) }, 200);
  });
};

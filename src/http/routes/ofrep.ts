/**
 * OpenFeature Remote Evaluation Protocol (OFREP): a feature flag bound to a gate. The flag key is
 * `MIGRATION/PHASE` (URL-encoded as one segment, or as two path segments — the OFREP providers put
 * the key into the path as given); its boolean value is the gate's answer, recorded as a decision
 * like every gate ask. A gate that cannot be evaluated is an OFREP error (500, GENERAL), so the
 * client falls back to its default value and reports the error: the server never says `true` then.
 * Auth is the gate routes': the read scope, and cross-site requests are refused (they would record).
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { GateUnavailableError, UnknownMigrationError, UnknownPhaseError } from '../../gate/gate-errors.js';
import type { GateDecision } from '../../gate/gate-service.js';
import { redact } from '../../logging/secrets.js';
import type { Service } from '../../service/service.js';
import type { AppEnv, RouteRegistrar } from '../app.js';
import { refuseCrossSite, requireScope } from '../auth.js';
import { errorResponses } from '../schemas.js';
import { decisionAllows } from '../../gate/allows.js';

export const OfrepSuccessSchema = z.object({
  key: z.string(),
  value: z.boolean().openapi({ description: 'true only when the gate allows the phase' }),
  reason: z.literal('TARGETING_MATCH').openapi({ description: 'the value was computed by the gate from the checks\' latest results' }),
  variant: z.enum(['allowed', 'denied']),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).openapi({
    description: 'migration, phase, decision_id, evaluated_at, reason_count, reasons (one per line) and reasons_json (a JSON array)',
  }),
}).openapi('OfrepEvaluationSuccess');

export const OfrepFailureSchema = z.object({
  key: z.string(),
  errorCode: z.enum(['PARSE_ERROR', 'INVALID_CONTEXT', 'FLAG_NOT_FOUND', 'GENERAL']),
  errorDetails: z.string(),
}).openapi('OfrepEvaluationFailure');

const KeyParams = z.object({ key: z.string().openapi({ param: { name: 'key', in: 'path' }, description: 'MIGRATION/PHASE, URL-encoded (users-split-name%2Fswitch-reads)', example: 'users-split-name%2Fswitch-reads' }) });
const PairParams = z.object({
  migration: z.string().openapi({ param: { name: 'migration', in: 'path' } }),
  phase: z.string().openapi({ param: { name: 'phase', in: 'path' } }),
});

const responses = {
  200: { description: 'the gate\'s answer as a boolean flag', content: { 'application/json': { schema: OfrepSuccessSchema } } },
  400: { description: 'PARSE_ERROR (the body is not JSON) or INVALID_CONTEXT (context is not an object)', content: { 'application/json': { schema: OfrepFailureSchema } } },
  404: { description: 'FLAG_NOT_FOUND: the key is not MIGRATION/PHASE of a declared migration and phase', content: { 'application/json': { schema: OfrepFailureSchema } } },
  500: { description: 'GENERAL: the gate could not be evaluated; clients use their default value (make it false)', content: { 'application/json': { schema: OfrepFailureSchema } } },
  ...errorResponses(401, 403),
};

const description = 'Body: {"context": {...}} (optional; the gate does not vary by context). Recorded as a gate decision.';
const routes = {
  byKey: createRoute({
    method: 'post', path: '/ofrep/v1/evaluate/flags/{key}', tags: ['openfeature'], operationId: 'ofrepEvaluateFlag',
    summary: 'OFREP: evaluate the flag MIGRATION/PHASE (true when the gate allows the phase)', description,
    security: [{ bearer: [] }], middleware: [requireScope('read'), refuseCrossSite()] as const,
    request: { params: KeyParams }, responses,
  }),
  byPair: createRoute({
    method: 'post', path: '/ofrep/v1/evaluate/flags/{migration}/{phase}', tags: ['openfeature'], operationId: 'ofrepEvaluateFlagByPath',
    summary: 'OFREP: the same, for a key MIGRATION/PHASE sent unencoded (as OFREP providers do)', description,
    security: [{ bearer: [] }], middleware: [requireScope('read'), refuseCrossSite()] as const,
    request: { params: PairParams }, responses,
  }),
};

type Failure = z.output<typeof OfrepFailureSchema>;
type Success = z.output<typeof OfrepSuccessSchema>;

/** Reads `{context?: object}`; an empty body is an empty request. */
export async function readOfrepRequest(c: Context<AppEnv>, key: string): Promise<Failure | undefined> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return { key, errorCode: 'PARSE_ERROR', errorDetails: `the request body is not JSON: ${(error as Error).message}` };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { key, errorCode: 'PARSE_ERROR', errorDetails: 'the request body must be a JSON object {"context": {...}}' };
  const context = (body as { context?: unknown }).context;
  if (context !== undefined && (context === null || typeof context !== 'object' || Array.isArray(context))) {
    return { key, errorCode: 'INVALID_CONTEXT', errorDetails: 'context must be a JSON object' };
  }
  return undefined;
}

/** OFREP metadata is flat (string, number, boolean): the reasons travel as lines and as a JSON array. */
function metadataOf(decision: GateDecision): Record<string, string | number | boolean> {
  return {
    migration: decision.migration, phase: decision.phase, allowed: decision.allowed, decision_id: decision.id ?? '',
    evaluated_at: decision.evaluated_at, reason_count: decision.reasons.length, reasons: decision.reasons.join('\n'),
    reasons_json: JSON.stringify(decision.reasons),
  };
}

/** Asks the gate behind the flag `MIGRATION/PHASE` (recording the decision) and answers as OFREP does. */
export async function evaluateFlag(service: Service, key: string, requestedBy: string | undefined): Promise<{ status: 200; body: Success } | { status: 404 | 500; body: Failure }> {
  const parts = key.split('/');
  if (parts.length !== 2 || parts.some((p) => p === '')) {
    return { status: 404, body: { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: 'flag keys are MIGRATION/PHASE, e.g. users-split-name/switch-reads' } };
  }
  const [migration, phase] = parts as [string, string];
  try {
    const decision = await service.gates.decide(migration, phase, { requestedBy });
    // The recorded decision is the only source of `true`; a decision without a record denies.
    const value = decisionAllows(decision);
    return { status: 200, body: { key, value, reason: 'TARGETING_MATCH', variant: value ? 'allowed' : 'denied', metadata: metadataOf(decision) } };
  } catch (error) {
    if (error instanceof UnknownMigrationError || error instanceof UnknownPhaseError) {
      return { status: 404, body: { key, errorCode: 'FLAG_NOT_FOUND', errorDetails: error.message } };
    }
    if (error instanceof GateUnavailableError) {
      return { status: 500, body: { key, errorCode: 'GENERAL', errorDetails: redact(error.message) } };
    }
    throw error;
  }
}

/** POST /ofrep/v1/evaluate/flags/{MIGRATION%2FPHASE} and …/{MIGRATION}/{PHASE}. */
export const registerOfrepRoutes: RouteRegistrar = (app, { service }) => {
  const evaluate = async (c: Context<AppEnv>, key: string) => {
    const failure = await readOfrepRequest(c, key);
    if (failure) return c.json(failure, 400);
    const answer = await evaluateFlag(service, key, c.get('principal')?.name);
    return answer.status === 200 ? c.json(answer.body, 200) : c.json(answer.body, answer.status);
  };

  app.openapi(routes.byKey, async (c) => evaluate(c, c.req.valid('param').key));
  app.openapi(routes.byPair, async (c) => {
    const { migration, phase } = c.req.valid('param');
    return evaluate(c, `${migration}/${phase}`);
  });
  // Any deeper path is a key with more than one "/": not a flag (an OFREP answer, not a bare 404).
  app.post('/ofrep/v1/evaluate/flags/*', requireScope('read'), refuseCrossSite(), (c) => {
    const rest = new URL(c.req.url).pathname.slice('/ofrep/v1/evaluate/flags/'.length);
    const key = rest.split('/').map((part) => { try { return decodeURIComponent(part); } catch { return part; } }).join('/');
    return c.json({ key, errorCode: 'FLAG_NOT_FOUND' as const, errorDetails: 'flag keys are MIGRATION/PHASE, e.g. users-split-name/switch-reads' }, 404);
  });
};

/**
 * The API's request and response shapes as zod-openapi schemas: one source for validation, for the
 * handlers' types (serialize.ts returns exactly these) and for /openapi.json.
 */
import { z } from '@hono/zod-openapi';
import { RUN_STATUSES } from '../store/runs.js';
import { SAMPLE_CATEGORIES, faultInfoSchema, statementRecordSchema } from '../results/outcome.js';
import { replicaLagSchema } from '../results/replica-lag.js';
import { coverageSchema, finalProgressSchema, resumedFromSchema } from '../results/read-evidence.js';

const timestamp = z.string().openapi({ format: 'date-time', example: '2025-01-31T12:00:00.000Z' });
const json = z.unknown().openapi({ description: 'any JSON value' });
const jsonObject = z.record(z.string(), z.unknown());

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ description: 'stable machine-readable code', example: 'invalid_request' }),
      message: z.string(),
      details: json.optional(),
    }),
  })
  .openapi('Error');

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export const ComponentSchema = z
  .object({
    status: z.enum(['ok', 'error']),
    /** Fault code only: readiness is unauthenticated, so driver messages (hosts, users) stay in the log. */
    code: z.string().optional(),
    sqlstate: z.string().optional(),
    /** Sources only: how many least-privilege warnings the preflight raised (the text is in results and `parity validate --connect`). */
    privilege_warnings: z.number().int().optional(),
  })
  .openapi('ComponentHealth');

export const CatalogHealthSchema = z
  .object({
    valid: z.boolean().openapi({ description: 'false: the check files on disk do not load; the last good catalog is in use and gates answer 503' }),
    loaded_at: timestamp,
    problems: z.array(z.string()).openapi({ description: 'file:line:column: key: message, one per problem' }),
  })
  .openapi('CatalogHealth');

export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'degraded']),
    checked_at: timestamp.openapi({ description: 'when the process last probed the store and sources (it probes on its own timer)' }),
    store: ComponentSchema.optional().openapi({ description: 'read scope only' }),
    sources: z.record(z.string(), ComponentSchema).optional().openapi({ description: 'read scope only' }),
    catalog: CatalogHealthSchema.optional().openapi({ description: 'read scope only' }),
  })
  .openapi('Readiness');

export const ReloadSchema = z
  .object({
    reloaded: z.literal(true),
    checks: z.number(),
    sources: z.number(),
    migrations: z.number(),
    loaded_at: timestamp,
  })
  .openapi('Reload');

export const SampleSchema = z
  .object({
    category: z.enum(SAMPLE_CATEGORIES),
    key: jsonObject.openapi({ description: 'the offending row, by its key columns' }),
    old: json.optional(),
    new: json.optional(),
    detail: jsonObject.optional(),
  })
  .openapi('Sample');

export const StatementSchema = statementRecordSchema.openapi('Statement');

export const FaultSchema = faultInfoSchema.openapi('Fault');

export const ServerIdentitySchema = z
  .object({
    system_identifier: z.string().nullable().openapi({ description: 'pg_control_system().system_identifier; null when not permitted' }),
    system_identifier_unavailable: z.string().optional(),
    database: z.string(),
    database_oid: z.string().nullable().optional().openapi({ description: 'the database\'s oid in its cluster (with system_identifier, which database this was); absent on older results' }),
    timeline: z.number().nullable().optional().openapi({ description: 'pg_control_checkpoint().timeline_id: a promoted clone of the cluster is on another timeline than its origin; null when not permitted, absent on older results' }),
    postmaster_started: z.string().nullable().optional().openapi({ description: 'where system_identifier or timeline is null: when the server started (epoch seconds), standing in with address and port' }),
    embedded_id: z.string().optional().openapi({ description: 'embedded sources only: the embedded database\'s own id, made once when parity first opened it (every embedded database names the same cluster and database to SQL)' }),
    data_dir: z.string().optional().openapi({ description: 'embedded sources only: the data directory the embedded database was opened under, resolved' }),
    user: z.string(),
    target: z.string().optional().openapi({ description: 'where the catalog\'s URL for the source was meant to reach (a digest of its hosts, ports, database and session attributes); gates take a reading under the key a source has now as a reading of it. Absent on older results' }),
    address: z.string().nullable(),
    port: z.number().nullable(),
    version_num: z.number(),
    version: z.string(),
    in_recovery: z.boolean(),
    privilege_warnings: z.array(z.string()),
    // Rebuilt with the OpenAPI-aware zod: a schema made before @hono/zod-openapi loaded has no .openapi().
    replica_lag: z.object(replicaLagSchema.shape).openapi('ReplicaLag').optional().openapi({ description: 'the replay lag this check read under (worse of before and after its reads); a lag above max_replica_lag makes the result error' }),
  })
  .openapi('ServerIdentity');

export const ResultSchema = z
  .object({
    id: z.string(),
    run_id: z.string(),
    check_id: z.string(),
    kind: z.string(),
    status: z.enum(['running', 'pass', 'fail', 'error']),
    definition_hash: z.string(),
    summary: z.string().nullable(),
    observations: jsonObject,
    error: FaultSchema.nullable(),
    statements: z.array(StatementSchema),
    slot: timestamp.nullable(),
    servers: z.record(z.string(), ServerIdentitySchema).openapi({ description: 'by source name: the server each source really was when the check read it' }),
    started_at: timestamp.openapi({ description: "state store's clock: the result was recorded (before waiting for its lease)" }),
    read_at: timestamp.nullable().openapi({ description: "state store's clock: the check began reading; gates judge the result that read last" }),
    finished_at: timestamp.nullable().openapi({ description: "state store's clock: the outcome was recorded" }),
    duration_ms: z.number().nullable(),
    samples: z.array(SampleSchema),
    // Rebuilt with the OpenAPI-aware zod (as replica_lag above): one definition in results/read-evidence.ts.
    progress: z.object(finalProgressSchema.shape).openapi('FinalProgress').nullable()
      .openapi({ description: 'a long check\'s last progress report, kept with its result (observations.progress): rows done, estimate, rate, the time left it gave; null when the check reported no progress' }),
    resumed_from: z.object(resumedFromSchema.shape).openapi('ResumedFrom').nullable()
      .openapi({ description: 'a chunked scan that resumed an interrupted run: that run, its chunks and rows, and since when (observations.resumed_from); null otherwise' }),
    coverage: z.object(coverageSchema.shape).openapi('Coverage').nullable()
      .openapi({ description: 'incremental checks: the chain this result closes, "full pass at T0 + N incremental passes, unbroken, last at T" (observations.coverage); null otherwise' }),
  })
  .openapi('CheckResult');

export const RunSummarySchema = z.object({ pass: z.number(), fail: z.number(), error: z.number(), total: z.number() });

export const RunSchema = z
  .object({
    id: z.string(),
    status: z.enum(RUN_STATUSES),
    trigger: z.string(),
    requested_by: z.string().nullable(),
    check_ids: z.array(z.string()),
    selector: jsonObject,
    summary: RunSummarySchema.nullable(),
    owner: z.string().nullable(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    heartbeat_at: timestamp.nullable(),
    cancel_requested_at: timestamp.nullable(),
  })
  .openapi('Run');

export const ProgressSchema = z
  .object({
    check_id: z.string(),
    rows_scanned: z.number().openapi({ description: 'rows done so far' }),
    rows_estimated: z.number().nullable().openapi({ description: "the planner's estimate of the total (pg_class.reltuples), or the sample size; null when unknown" }),
    rows_per_second: z.number().nullable().openapi({ description: 'rows done per second since the check began reading; null before the first rows' }),
    eta_seconds: z.number().nullable().openapi({ description: 'seconds left at that rate; null without an estimate or once the estimate is passed' }),
    started_at: timestamp.openapi({ description: 'when the check began reading (after its lease)' }),
    at: timestamp,
  })
  .openapi('Progress');

export const RunDetailSchema = RunSchema.extend({
  results: z.array(ResultSchema),
  progress: z.array(ProgressSchema).nullable().openapi({ description: 'live progress per check while this process runs it; null otherwise' }),
}).openapi('RunDetail');

const LinksSchema = z.object({ self: z.string().openapi({ example: '/v1/runs/0b6c…' }) });

export const RunEnvelopeSchema = z.object({ run: RunSchema, links: LinksSchema }).openapi('RunAccepted');
export const RunDetailEnvelopeSchema = z.object({ run: RunDetailSchema, links: LinksSchema }).openapi('RunWithResults');
export const RunListSchema = z.object({ runs: z.array(RunSchema) }).openapi('RunList');

export const CheckSourceSchema = z.object({
  name: z.string(),
  url: z.string().openapi({ description: 'the source URL with its password and secret parameters masked' }),
  description: z.string().nullable(),
});

export const LatestResultSchema = z.object({
  result_id: z.string(),
  run_id: z.string(),
  status: z.enum(['running', 'pass', 'fail', 'error']),
  summary: z.string().nullable(),
  finished_at: timestamp.nullable(),
});

export const CheckSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    schedule: z.string().nullable(),
    time_zone: z.string().nullable(),
    sources: z.array(CheckSourceSchema),
    definition_hash: z.string(),
    file: z.string(),
    line: z.number(),
    column: z.number(),
    latest: LatestResultSchema.nullable(),
  })
  .openapi('Check');

export const CheckListSchema = z.object({ checks: z.array(CheckSchema) }).openapi('CheckList');
export const CheckHistorySchema = z.object({ check_id: z.string(), results: z.array(ResultSchema) }).openapi('CheckHistory');

/** POST /v1/runs body: pick checks by id, by tag (union of both), or all of them. */
export const RunRequestSchema = z
  .strictObject({
    ids: z.array(z.string().min(1).max(200)).max(1000).optional(),
    tags: z.array(z.string().min(1).max(64)).max(100).optional(),
    all: z.boolean().optional(),
    recheck: z.enum(['failing']).optional().describe('failing: re-read only the keys each selected check\'s last failing result sampled; '
      + 'results are recorded as <check>:recheck and are never gate evidence'),
  })
  .superRefine((body, ctx) => {
    const selective = (body.ids?.length ?? 0) > 0 || (body.tags?.length ?? 0) > 0;
    if (body.all === true && selective) {
      ctx.addIssue({ code: 'custom', path: ['all'], message: 'all: true selects every check; do not combine it with ids or tags' });
    } else if (body.all !== true && !selective) {
      ctx.addIssue({ code: 'custom', path: [], message: 'select checks with ids, tags or all: true' });
    }
  })
  .openapi('RunRequest', {
    description: 'ids and tags select the union of their checks; all: true selects every check and excludes the other two. '
      + 'At least one selector is required; a request with no body at all runs every check.',
    example: { ids: ['users-name-parity'] },
  });
export type RunRequestBody = z.output<typeof RunRequestSchema>;

export const LimitQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(20).openapi({ param: { name: 'limit', in: 'query' }, example: 20 }),
});

export const RunStartQuerySchema = z.object({
  wait: z.enum(['true', 'false', '1', '0']).optional().openapi({ param: { name: 'wait', in: 'query' }, description: 'wait for the run to finish' }),
  timeout_s: z.coerce.number().min(0).max(3600).default(300).openapi({ param: { name: 'timeout_s', in: 'query' }, description: 'how long ?wait=true waits before answering 202' }),
});

export const RunIdParamSchema = z.object({
  id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' } }),
});

export const CheckIdParamSchema = z.object({
  id: z.string().min(1).max(200).openapi({ param: { name: 'id', in: 'path' } }),
});

/** Error responses, by status, for route definitions. */
export function errorResponses<const S extends readonly number[]>(...statuses: S) {
  const descriptions: Record<number, string> = {
    400: 'malformed request (e.g. invalid JSON)',
    401: 'missing or invalid bearer token',
    403: 'the token lacks the required scope',
    404: 'not found',
    409: 'conflicts with the current state',
    412: 'with ?respond=status: the gate denied',
    413: 'request body too large',
    415: 'request body is not application/json',
    422: 'the request did not validate; details.problems lists each path',
    503: 'not ready',
  };
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s] ?? 'error', content: { 'application/json': { schema: ErrorSchema } } }]),
  ) as { [K in S[number]]: { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } } };
}

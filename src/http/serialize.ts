/**
 * Store records → API JSON: snake_case fields, ISO-8601 timestamps, secrets redacted. Pure; the
 * return types are the response schemas, so the compiler keeps the API and its documentation aligned.
 */
import type { z } from '@hono/zod-openapi';
import { kindOf } from '../catalog/registry.js';
import { redactDeep } from '../logging/secrets.js';
import type { ProgressEvent } from '../runner/run-types.js';
import type { LoadedCheck, LoadedSource } from '../catalog/catalog.js';
import { describeUrlTemplate } from '../catalog/interpolate.js';
import { describeUrl } from '../checkfile/sources.js';
import type { ResultRecord, RunRecord } from '../store/runs.js';
import { coverageSchema, finalProgressOf, resumedFromSchema } from '../results/read-evidence.js';
import type { CheckSchema, ProgressSchema, ResultSchema, RunDetailSchema, RunSchema } from './schemas.js';

export type RunJson = z.output<typeof RunSchema>;
export type RunDetailJson = z.output<typeof RunDetailSchema>;
export type ResultJson = z.output<typeof ResultSchema>;
export type CheckJson = z.output<typeof CheckSchema>;
export type ProgressJson = z.output<typeof ProgressSchema>;

/** Drivers hand back Date objects; a string slipping through is normalised rather than trusted. */
function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value).toISOString();
}

/** A run without its results. */
export function serializeRun(run: RunRecord): RunJson {
  return {
    id: run.id,
    status: run.status as RunJson['status'],
    trigger: run.trigger,
    requested_by: run.requestedBy,
    check_ids: run.checkIds,
    selector: redactDeep(run.selector),
    summary: run.summary ?? null,
    owner: run.owner,
    created_at: iso(run.createdAt)!,
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    heartbeat_at: iso(run.heartbeatAt),
    cancel_requested_at: iso(run.cancelRequestedAt),
  };
}

/** One check result with its samples (results are stored redacted; redacting again costs little). */
export function serializeResult(result: ResultRecord): ResultJson {
  return redactDeep({
    id: result.id,
    run_id: result.runId,
    check_id: result.checkId,
    kind: result.kind,
    status: result.status as ResultJson['status'],
    definition_hash: result.definitionHash,
    summary: result.summary,
    observations: result.observations,
    error: result.error ?? null,
    statements: result.statements,
    slot: iso(result.slot),
    servers: result.servers ?? {},
    started_at: iso(result.startedAt)!,
    read_at: iso(result.readAt ?? null),
    finished_at: iso(result.finishedAt),
    duration_ms: result.durationMs,
    samples: result.samples ?? [],
    ...readEvidenceFields(result.observations),
  });
}

/** The typed views of how a result was read (null when absent or of another shape, e.g. written by an older version). */
function readEvidenceFields(observations: Record<string, unknown>): Pick<ResultJson, 'progress' | 'resumed_from' | 'coverage'> {
  const resumed = resumedFromSchema.safeParse(observations.resumed_from);
  const coverage = coverageSchema.safeParse(observations.coverage);
  return { progress: finalProgressOf(observations) ?? null, resumed_from: resumed.success ? resumed.data : null, coverage: coverage.success ? coverage.data : null };
}

/** Live progress of a check in a run this process executes. */
export function serializeProgress(event: ProgressEvent): ProgressJson {
  return {
    check_id: event.checkId, rows_scanned: event.rowsScanned, rows_estimated: event.rowsEstimated ?? null,
    rows_per_second: event.rowsPerSecond, eta_seconds: event.etaSeconds, started_at: iso(event.startedAt)!, at: iso(event.at)!,
  };
}

/** A run with its results and, while this process runs it, live progress. */
export function serializeRunDetail(run: RunRecord & { results: ResultRecord[] }, progress: ProgressEvent[] | undefined): RunDetailJson {
  return { ...serializeRun(run), results: run.results.map(serializeResult), progress: progress ? progress.map(serializeProgress) : null };
}

/**
 * A source's URL as the API shows it: the `${VAR}` template where the file read the environment
 * (the resolved value is a secret), and any literal password masked.
 */
export function shownSourceUrl(source: LoadedSource): string {
  const template = source.templates?.url;
  return template === undefined ? describeUrl(source.spec.url) : describeUrlTemplate(template, describeUrl);
}

/** A catalog entry with its sources (passwords masked, environment values as templates), location and latest finished result. */
export function serializeCheck(check: LoadedCheck, sourceOf: (name: string) => LoadedSource | undefined, latest: ResultRecord | undefined): CheckJson {
  const spec = check.spec;
  const sourceNames = kindOf(spec.kind)?.sourcesOf(spec) ?? [];
  return {
    id: spec.id,
    kind: spec.kind,
    description: spec.description ?? null,
    tags: spec.tags,
    schedule: spec.schedule ?? null,
    time_zone: spec.time_zone ?? null,
    sources: [...new Set(sourceNames)].map((name) => {
      const source = sourceOf(name);
      return { name, url: source ? shownSourceUrl(source) : '<undeclared>', description: source?.spec.description ?? null };
    }),
    definition_hash: check.hash,
    file: check.at.file,
    line: check.at.line,
    column: check.at.column,
    latest: latest
      ? { result_id: latest.id, run_id: latest.runId, status: latest.status as ResultJson['status'], summary: latest.summary, finished_at: iso(latest.finishedAt) }
      : null,
  };
}

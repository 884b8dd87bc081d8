/**
 * CLI results into server metrics. `parity run` against a shared state store records results but
 * exports no metrics (a one-shot process is never scraped), so a serving replica counts them: each
 * result of a `cli` run is claimed by exactly one replica (INSERT … ON CONFLICT DO NOTHING) and
 * that replica adds it to its counters. Gauges need nothing of this: they are read from the store.
 */
import { sql } from 'drizzle-orm';
import type { StateDb } from './database.js';
import { checkResults, resultMetricImports, runs } from './schema.js';
import { rowsOf } from './async-commit.js';

/** A CLI result as the metrics need it. */
export interface ImportedResult { checkId: string; kind: string; status: string; durationMs: number; rowsScanned: number | null }

/** Metric-import queries over the drizzle state database. */
export function metricImportQueries(db: StateDb) {
  return {
    /** Claims (for `importedBy`) up to `limit` finished results of CLI runs finished after `since` that no replica counted yet. */
    async claimCliResultsForMetrics(importedBy: string, since: Date, limit: number): Promise<ImportedResult[]> {
      const rows = await db.execute<{ check_id: string; kind: string; status: string; duration_ms: number | null; rows_scanned: unknown }>(sql`
        with claimed as (
          insert into ${resultMetricImports} (result_id, imported_by)
          select ${checkResults.id}, ${importedBy} from ${checkResults} join ${runs} on ${runs.id} = ${checkResults.runId}
          where ${runs.trigger} = 'cli' and ${checkResults.finishedAt} is not null and ${checkResults.finishedAt} > ${since.toISOString()}::timestamptz
            and ${checkResults.status} <> 'running'
            and not exists (select 1 from ${resultMetricImports} as "i" where "i"."result_id" = ${checkResults.id})
          limit ${limit}
          on conflict do nothing
          returning result_id)
        select r.check_id, r.kind, r.status, r.duration_ms, r.observations->'rows_scanned' as rows_scanned
        from claimed join ${checkResults} as r on r.id = claimed.result_id`);
      const list = rowsOf<{ check_id: string; kind: string; status: string; duration_ms: number | null; rows_scanned: unknown }>(rows);
      return list.map((r) => ({
        checkId: r.check_id, kind: r.kind, status: r.status, durationMs: Number(r.duration_ms ?? 0),
        rowsScanned: typeof r.rows_scanned === 'number' ? r.rows_scanned : null,
      }));
    },
  };
}

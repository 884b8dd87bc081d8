/**
 * How a result was read, as stored with it and as a person reads it: the interrupted run a chunked
 * scan resumed, the incremental chain it closes, the replica lag of each source, and the last
 * progress figures (rows done, estimate, rate, time left). One definition of each shape (zod) for
 * the runner that writes it, the API that documents it and the views (status page, CLI) that show
 * it. Pure. Stored observations are read defensively: results written before a field existed, or
 * by another version, simply show less.
 */
import { z } from 'zod';
import { lagRecordSchema, replicaLagSchema, type ReplicaLag } from './replica-lag.js';

/** observations.resumed_from: the interrupted run a chunked scan continued. */
export const resumedFromSchema = z.object({
  run_id: z.string(),
  chunks: z.number().describe('chunks the interrupted run had recorded'),
  rows_scanned: z.number().describe('rows the interrupted run had read'),
  since: z.string().describe('when the interrupted run began reading: the oldest read this result rests on'),
  read_under: lagRecordSchema.optional().describe('by source, the worst replica lag the resumed chunks were read under (the gate adds it to their age); absent in results of older versions, which no gate counts'),
});
export type ResumedFrom = z.infer<typeof resumedFromSchema>;

/** observations.coverage: the incremental chain a result closes (runner/incremental.ts). */
export const coverageSchema = z.object({
  full_pass_at: z.string(),
  incremental_passes: z.number(),
  unbroken: z.boolean(),
  last_at: z.string().nullable(),
});
export type Coverage = z.infer<typeof coverageSchema>;

/**
 * observations.progress: a long check's last progress report, kept with its result (live progress
 * exists only while the run does). `eta_seconds` is the time left that report gave.
 */
export const finalProgressSchema = z.object({
  rows_scanned: z.number().describe('rows done at the last progress report'),
  rows_estimated: z.number().nullable().describe("the planner's estimate of the total, or the sample size; null when unknown"),
  rows_per_second: z.number().nullable().describe('rows per second from the first read to the last report'),
  eta_seconds: z.number().nullable().describe('the time left the last report gave (null without an estimate, or once it was passed)'),
  elapsed_seconds: z.number().describe('seconds from the first read to the last report'),
  at: z.string().describe('when the last report was made'),
});
export type FinalProgress = z.infer<typeof finalProgressSchema>;

/** What a view needs of a stored result. */
export interface EvidenceSource {
  observations: Record<string, unknown>;
  servers?: Record<string, { replica_lag?: ReplicaLag | undefined }> | null | undefined;
}

export type EvidenceKind = 'resumed' | 'coverage' | 'replica_lag' | 'progress';
export interface EvidenceLine { kind: EvidenceKind; text: string }

const grouped = new Intl.NumberFormat('en-US');
const rate = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function seconds(value: number): string {
  // Below a second in milliseconds: a 47 ms read is not "0 s".
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 60) return `${rate.format(value)} s`;
  if (value < 3600) return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
  return `${Math.floor(value / 3600)} h ${Math.round((value % 3600) / 60)} min`;
}

/** The stored progress figures, or undefined when absent or not of this shape. */
export function finalProgressOf(observations: Record<string, unknown>): FinalProgress | undefined {
  const parsed = finalProgressSchema.safeParse(observations.progress);
  return parsed.success ? parsed.data : undefined;
}

/** "full pass at T0 + N incremental passes, unbroken, last at T". */
export function coverageText(c: Coverage): string {
  const passes = c.incremental_passes > 0 ? ` + ${c.incremental_passes} incremental pass${c.incremental_passes === 1 ? '' : 'es'}` : '';
  return `full pass at ${c.full_pass_at}${passes}, ${c.unbroken ? 'unbroken' : 'broken'}, last at ${c.last_at ?? 'unknown (resumed scan: the next run is a full pass)'}`;
}

function lagText(source: string, lag: ReplicaLag): string {
  const limit = lag.max_replica_lag_ms === null ? '' : `, limit ${seconds(lag.max_replica_lag_ms / 1000)}`;
  if (lag.state === 'primary') return `${source}: primary, no lag${limit}`;
  const value = lag.lag_ms === null ? 'unknown' : seconds(lag.lag_ms / 1000);
  return `${source}: ${value} (${lag.state.replaceAll('_', ' ')}${lag.replay_paused ? ', replay paused' : ''}${limit})`;
}

/**
 * The lines a view shows under a result's summary, in a fixed order. Replica lag is shown when a
 * source was a standby or had max_replica_lag set: a primary read without a limit says nothing new.
 */
export function readEvidence(result: EvidenceSource): EvidenceLine[] {
  const lines: EvidenceLine[] = [];
  const resumed = resumedFromSchema.safeParse(result.observations.resumed_from);
  if (resumed.success) {
    const r = resumed.data;
    lines.push({ kind: 'resumed', text: `resumed from run ${r.run_id} (since ${r.since}) after ${r.chunks} chunk${r.chunks === 1 ? '' : 's'}, ${grouped.format(r.rows_scanned)} rows` });
  }
  const coverage = coverageSchema.safeParse(result.observations.coverage);
  if (coverage.success) lines.push({ kind: 'coverage', text: `coverage: ${coverageText(coverage.data)}` });
  const lags = Object.entries(result.servers ?? {}).flatMap(([source, server]) => {
    const lag = replicaLagSchema.safeParse(server?.replica_lag);
    return lag.success && (lag.data.state !== 'primary' || lag.data.max_replica_lag_ms !== null) ? [lagText(source, lag.data)] : [];
  });
  if (lags.length > 0) lines.push({ kind: 'replica_lag', text: `read under replica lag: ${lags.join('; ')}` });
  const progress = finalProgressOf(result.observations);
  if (progress) {
    const of = progress.rows_estimated === null ? '' : ` of ~${grouped.format(Math.round(progress.rows_estimated))}`;
    const speed = progress.rows_per_second === null ? '' : ` at ${rate.format(progress.rows_per_second)} rows/s`;
    const left = progress.eta_seconds === null ? '' : `; time left at the last report: ${seconds(progress.eta_seconds)}`;
    lines.push({ kind: 'progress', text: `read ${grouped.format(progress.rows_scanned)}${of} rows in ${seconds(progress.elapsed_seconds)}${speed}${left}` });
  }
  return lines;
}

/**
 * The replica lag a check read under, recorded with every result (by source), and the one place
 * a lag above a source's `max_replica_lag` becomes "could not verify". A standby that is behind
 * serves an older state of the data than the primary: a pass read there may already be untrue.
 */
import { z } from 'zod';
import type { FaultInfo } from './outcome.js';

/**
 * How the lag was judged:
 * - `primary`: not in recovery; lag does not apply (recorded as 0).
 * - `caught_up`: a standby streaming from its primary that has replayed every WAL byte it received.
 * - `behind`: a standby with received WAL not yet replayed, or one that is not streaming (archive
 *   recovery, receiver down); lag is the age of the last replayed transaction — an upper bound.
 * - `unknown`: a standby that cannot say (nothing replayed since it started); never within a limit.
 */
export const REPLICA_LAG_STATES = ['primary', 'caught_up', 'behind', 'unknown'] as const;

export const replicaLagSchema = z.object({
  state: z.enum(REPLICA_LAG_STATES),
  lag_ms: z.number().nullable().describe('replay lag in milliseconds; 0 on a primary and on a caught-up standby; null when unknown'),
  replay_paused: z.boolean().nullable().describe('pg_is_wal_replay_paused() on a standby; null on a primary'),
  receive_lsn: z.string().nullable(),
  replay_lsn: z.string().nullable(),
  max_replica_lag_ms: z.number().nullable().describe("the source's max_replica_lag; null when none is set"),
});
export type ReplicaLag = z.infer<typeof replicaLagSchema>;

/** The worse of two readings (before and after a check read): a check read under both. */
export function worseLag(a: ReplicaLag, b: ReplicaLag): ReplicaLag {
  const rank = (l: ReplicaLag) => (l.lag_ms === null ? Number.POSITIVE_INFINITY : l.lag_ms);
  return rank(b) > rank(a) ? b : a;
}

/** The fault for a lag above the source's limit (or unknown under one); undefined when within it or no limit is set. */
export function replicaLagFault(source: string, lag: ReplicaLag): FaultInfo | undefined {
  const limit = lag.max_replica_lag_ms;
  if (limit === null) return undefined;
  if (lag.lag_ms === null) {
    return { code: 'replica_lag', message: `source "${source}" is a standby whose replay lag cannot be read (nothing replayed yet); max_replica_lag is ${seconds(limit)}` };
  }
  if (lag.lag_ms <= limit) return undefined;
  const paused = lag.replay_paused ? ' (WAL replay is paused)' : '';
  return { code: 'replica_lag', message: `source "${source}" is a standby ${seconds(lag.lag_ms)} behind its primary${paused}, above max_replica_lag ${seconds(limit)}` };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
}

/**
 * The worst lag each source was read under, by source name: what resumable progress carries
 * forward with its counts, so a run that resumes it is dated by the reads it did not do itself.
 */
export const lagRecordSchema = z.record(z.string(), replicaLagSchema);
export type LagRecord = z.infer<typeof lagRecordSchema>;

/** The worse reading per source of two records. */
export function worseRecord(a: LagRecord, b: LagRecord): LagRecord {
  const out: LagRecord = { ...a };
  for (const [name, lag] of Object.entries(b)) out[name] = out[name] ? worseLag(out[name], lag) : lag;
  return out;
}

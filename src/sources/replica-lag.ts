/**
 * Reads a source's replay lag, inside parity's read-only session. Replay lag alone
 * (now() − pg_last_xact_replay_timestamp()) is wrong both ways on quiet systems: on a primary the
 * function is null or stale, and on an idle standby the last replayed commit may be hours old while
 * nothing is missing. So: a primary (pg_is_in_recovery() false) has no lag; a standby whose WAL
 * receiver is running and that has replayed everything it received (replay LSN ≥ receive LSN) is
 * caught up; only a standby with WAL left to replay, or one that is not streaming, is measured by
 * the age of its last replayed transaction — an upper bound, so a limit errs toward "could not
 * verify", never toward a pass. What a standby cannot see: WAL its primary has not sent yet (a
 * receiver that lost its primary notices after wal_receiver_timeout, 60 s by default).
 */
import type { ReplicaLag } from '../results/replica-lag.js';
import { fixedStatement, type ReadSession, type Source } from './types.js';

/**
 * One statement; every standby-only function sits behind `pg_is_in_recovery()` (pg_is_wal_replay_paused
 * raises an error on a primary). Every function here is executable by PUBLIC; pg_stat_wal_receiver
 * shows its pid to every role (the status only to pg_read_all_stats), which is all "receiving" needs.
 * The receiver is read from the function behind the view pg_stat_wal_receiver, with the view's own
 * filter (no receiver: one row of nulls): the same answer, planned in half the time. It runs with
 * search_path pinned to pg_catalog (Source.readFixed); its functions also name their schema.
 */
export const REPLICA_LAG_SQL = fixedStatement(`with r as (select pg_catalog.pg_is_in_recovery() as in_recovery)
select r.in_recovery,
  case when r.in_recovery then pg_catalog.pg_last_wal_receive_lsn()::text end as receive_lsn,
  case when r.in_recovery then pg_catalog.pg_last_wal_replay_lsn()::text end as replay_lsn,
  case when r.in_recovery then coalesce(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()) operator(pg_catalog.<=) 0, false) end as replayed_all_received,
  case when r.in_recovery then exists (select 1 from pg_catalog.pg_stat_get_wal_receiver() w where w.pid is not null and (w.status is null or w.status operator(pg_catalog.=) 'streaming')) end as streaming,
  case when r.in_recovery then pg_catalog.pg_is_wal_replay_paused() end as replay_paused,
  case when r.in_recovery then extract(epoch from pg_catalog.clock_timestamp() operator(pg_catalog.-) pg_catalog.pg_last_xact_replay_timestamp()) operator(pg_catalog.*) 1000 end as since_last_replay_ms
from r`);

export interface ReplicaLagRow {
  in_recovery: boolean;
  receive_lsn: string | null;
  replay_lsn: string | null;
  replayed_all_received: boolean | null;
  streaming: boolean | null;
  replay_paused: boolean | null;
  since_last_replay_ms: number | string | null;
}

/** Judges what the server said (see the file comment). Pure. */
export function readReplicaLag(row: ReplicaLagRow, maxReplicaLagMs: number | undefined): ReplicaLag {
  const limit = maxReplicaLagMs ?? null;
  const lsns = { receive_lsn: row.receive_lsn ?? null, replay_lsn: row.replay_lsn ?? null };
  if (!row.in_recovery) return { state: 'primary', lag_ms: 0, replay_paused: null, ...lsns, max_replica_lag_ms: limit };
  const paused = row.replay_paused ?? null;
  if (row.streaming === true && row.replayed_all_received === true) return { state: 'caught_up', lag_ms: 0, replay_paused: paused, ...lsns, max_replica_lag_ms: limit };
  const since = row.since_last_replay_ms === null ? Number.NaN : Number(row.since_last_replay_ms);
  if (!Number.isFinite(since)) return { state: 'unknown', lag_ms: null, replay_paused: paused, ...lsns, max_replica_lag_ms: limit };
  // Clocks of primary and standby may disagree by a little; a negative age means "no lag", not a credit.
  return { state: 'behind', lag_ms: Math.max(0, Math.round(since)), replay_paused: paused, ...lsns, max_replica_lag_ms: limit };
}

/**
 * The replay lag of the server a read session is connected to, read inside its transaction: a
 * source behind a load balancer or a multi-host URL spreads its connections over several standbys
 * (one cluster, one system identifier), and a probe on a connection of its own may measure another
 * member than the one that answered the statement. Operators are named in pg_catalog, as the
 * session's search_path is the read's.
 */
export async function replicaLagIn(session: ReadSession, maxReplicaLagMs: number | undefined): Promise<ReplicaLag> {
  const [row] = await session.query({ text: REPLICA_LAG_SQL, params: [] });
  if (!row) throw new Error('the replica lag query returned no row');
  return readReplicaLag(row as unknown as ReplicaLagRow, maxReplicaLagMs);
}

/** Asks the source for its replay lag: one short statement, one round trip (a check asks twice). */
export async function probeReplicaLag(source: Source, maxReplicaLagMs: number | undefined, signal?: AbortSignal): Promise<ReplicaLag> {
  const [row] = await source.readFixed(REPLICA_LAG_SQL, { statementTimeoutMs: 10_000, signal });
  if (!row) throw new Error('the replica lag query returned no row');
  return readReplicaLag(row as unknown as ReplicaLagRow, maxReplicaLagMs);
}

/**
 * The watermark of an incremental pass: a time such that every write the pass does not see carries
 * a stamp at or after it. A write stamps the row with its transaction's now() (or a later clock), so
 * a transaction that began before the pass and commits after the pass's snapshot writes a stamp
 * before the server's now(): the next pass, reading from that now() minus `overlap`, passes over it
 * unless `overlap` exceeds the transaction's age. Where parity can see every session of the database
 * it needs no such assumption: the watermark is the start of the oldest transaction still open (a
 * stamp is never earlier than its transaction's start).
 *
 * What it cannot see is said, or makes the watermark unknown (the pass records none, so the next
 * run is full): a session in a transaction whose start pg_stat_activity does not show — hidden from
 * parity's role (grant pg_read_all_stats) or running with track_activities = off — is unknown, as
 * are prepared two-phase transactions (no start time is kept) and a standby that has replayed
 * nothing since it started (how far its data reaches is unknown; `least(now(), NULL)` was now()).
 * Whether such a session is in a transaction is read from pg_locks, which no role filters: every
 * transaction holds the lock on its own virtualxid from its start. A session in none when read is
 * harmless: a transaction it begins later stamps after this now(), and one it committed before is
 * seen by the pass. Transactions open on a standby's primary stay a stated assumption.
 */
import { sql, type SQL } from '../sql/build.js';

/** Select-list items for the catalog question (one statement, one transaction: its now() is the pass's clock). */
export function watermarkColumnsSql(): SQL {
  const database = sql`(select d.oid from pg_database d where d.datname = current_database())`;
  // The session holds the lock on its own virtualxid: it is in a transaction (pg_locks shows every role's).
  const inTransaction = sql`exists (select 1 from pg_locks l where l.pid = a.pid and l.locktype = 'virtualxid' and l.mode = 'ExclusiveLock' and l.granted)`;
  return sql`now() as server_now, pg_is_in_recovery() as in_recovery, pg_last_xact_replay_timestamp() as replayed_at,
    (select min(a.xact_start) from pg_stat_activity a where a.datid = ${database} and a.pid <> pg_backend_pid()
      and coalesce(a.backend_type, '') <> 'autovacuum worker') as oldest_open_xact,
    (select count(a.pid) from pg_stat_activity a where a.datid = ${database} and a.pid <> pg_backend_pid()
      and a.backend_type is null and ${inTransaction})::int as hidden_open_xacts,
    (select count(a.pid) from pg_stat_activity a where a.datid = ${database} and a.pid <> pg_backend_pid()
      and a.state = 'disabled' and (a.backend_xid is not null or ${inTransaction}))::int as untracked_open_xacts,
    (select count(x.gid) from pg_prepared_xacts x where x.database = current_database())::int as prepared_xacts`;
}

/** The clocks of one reading, judged. */
export interface Watermark {
  /** The server's clock for planning (full_every, a clock that went back): on a standby, no later than its last replayed commit. */
  serverNow: Date;
  /** The watermark this pass can vouch for, or null with the reason when it cannot vouch for any. */
  watermark: Date | null;
  unknownBecause?: string | undefined;
  /** What the watermark assumes, when some open transaction could not be seen. */
  assumption?: string | undefined;
}

const dateOf = (value: unknown): Date | undefined => {
  if (value === null || value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date;
};

/** Judges the columns of watermarkColumnsSql (pure). */
export function judgeWatermark(row: Record<string, unknown>): Watermark {
  const now = dateOf(row.server_now);
  if (!now) throw new Error('the catalog question returned no server time');
  const replayed = dateOf(row.replayed_at);
  if (row.in_recovery === true) {
    const serverNow = replayed && replayed < now ? replayed : now;
    if (!replayed) return { serverNow, watermark: null, unknownBecause: 'the standby has replayed no transaction since it started, so how far its data reaches is unknown' };
    return { serverNow, watermark: serverNow, assumption: 'on a standby, transactions still open on the primary cannot be seen: assumes none that writes began more than overlap before the watermark' };
  }
  const prepared = Number(row.prepared_xacts ?? 0);
  if (prepared > 0) {
    return { serverNow: now, watermark: null, unknownBecause: `${prepared} prepared (two-phase) transaction${prepared === 1 ? ' is' : 's are'} open in this database, whose writes may carry stamps from before any watermark and show no start time` };
  }
  // A session whose transaction start pg_stat_activity does not show — another role's, to a role
  // without pg_read_all_stats, or one with track_activities = off — but which is in a transaction
  // (pg_locks): it may write, or have written, stamps from a start nobody can see.
  const hidden = Number(row.hidden_open_xacts ?? 0);
  const untracked = Number(row.untracked_open_xacts ?? 0);
  const unseen = [
    ...(hidden > 0 ? [`${hidden} session${hidden === 1 ? '' : 's'} hidden from parity's role ${hidden === 1 ? 'is' : 'are'} in a transaction whose start it cannot see (grant pg_read_all_stats to parity's role)`] : []),
    ...(untracked > 0 ? [`${untracked} session${untracked === 1 ? '' : 's'} with track_activities = off ${untracked === 1 ? 'is' : 'are'} in a transaction whose start pg_stat_activity does not show`] : []),
  ];
  if (unseen.length > 0) {
    return { serverNow: now, watermark: null, unknownBecause: `${unseen.join('; ')}, so writes there may carry stamps from before any watermark` };
  }
  const oldest = dateOf(row.oldest_open_xact);
  const watermark = oldest && oldest < now ? oldest : now;
  return { serverNow: now, watermark };
}

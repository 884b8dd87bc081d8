/**
 * The counters `unused` keeps in the state store on every run, and the rule for when two
 * snapshots are comparable: same server incarnation, same database, no reset, no eviction, no
 * counter that went backwards. Anything else means calls in between may have been lost.
 */
import { z } from 'zod';

export const snapshotCountersSchema = z.strictObject({
  version: z.literal(1),
  postmaster_start: z.string(),
  db_oid: z.string(),
  dealloc: z.string(),
  stats_reset: z.string().nullable(),
  db_stats_reset: z.string().nullable(),
  /** Calls per matching pg_stat_statements entry (`userid/queryid/toplevel`), ignored roles included. */
  statements: z.record(z.string(), z.number()),
  /**
   * Calls per entry whose text cannot show what it reads (renamed since recorded, or running SQL
   * below the top level untracked); absent in snapshots written before parity looked for them.
   */
  opaque: z.record(z.string(), z.number()).optional(),
  /**
   * Calls per entry whose text was judged by recomputing its query id (or by recorded renames): an
   * entry with the same calls at the baseline was not called in the window and is not judged
   * again. Absent in snapshots written before parity recomputed them: every entry is judged.
   */
  checked: z.record(z.string(), z.number()).optional(),
  /** Whether pg_stat_statements counted statements inside functions (track = all, for every role); absent before parity recorded it. */
  track_all: z.boolean().optional(),
  /** Rows inserted + updated + deleted per listed relation (by oid). */
  tables: z.record(z.string(), z.strictObject({ name: z.string(), writes: z.number() })),
});

export type SnapshotCounters = z.output<typeof snapshotCountersSchema>;

/** Why two snapshots cannot be compared, or undefined when every counter continued from `old` to `now`. */
export function discontinuity(old: SnapshotCounters, now: SnapshotCounters): string | undefined {
  if (old.db_oid !== now.db_oid) return 'the database was dropped and re-created (its oid changed)';
  if (old.postmaster_start !== now.postmaster_start) return `the server restarted (at ${now.postmaster_start}); statistics may have been lost`;
  if (old.stats_reset !== now.stats_reset) return `pg_stat_statements was reset (at ${now.stats_reset ?? 'an unknown time'})`;
  if (old.dealloc !== now.dealloc) return `pg_stat_statements evicted ${Number(now.dealloc) - Number(old.dealloc)} entries (pg_stat_statements_info.dealloc; raise pg_stat_statements.max)`;
  if (old.db_stats_reset !== now.db_stats_reset) return `the database's statistics were reset (at ${now.db_stats_reset ?? 'an unknown time'})`;
  for (const [key, calls] of Object.entries(old.statements)) {
    const current = now.statements[key];
    if (current === undefined) return `the pg_stat_statements entry ${key} disappeared (reset or evicted)`;
    if (current < calls) return `the pg_stat_statements entry ${key} went back from ${calls} to ${current} calls (reset)`;
  }
  // Track raised to `all` inside the window: what functions ran before that was not counted.
  if (old.track_all !== true && now.track_all === true) return 'pg_stat_statements.track became all (for every role) after the baseline; statements run inside functions before then were not counted';
  for (const [key, calls] of Object.entries(old.opaque ?? {})) {
    const current = now.opaque?.[key];
    if (current === undefined) return `the pg_stat_statements entry ${key}, whose text could not show what it read, disappeared or changed (reset, evicted, or renamed back)`;
    if (current < calls) return `the pg_stat_statements entry ${key} went back from ${calls} to ${current} calls (reset)`;
  }
  for (const [relid, table] of Object.entries(old.tables)) {
    const current = now.tables[relid];
    if (current === undefined) return `the statistics of ${table.name} disappeared (table dropped, re-created or reset)`;
    if (current.writes < table.writes) return `the write counters of ${table.name} went back (reset)`;
  }
  return undefined;
}

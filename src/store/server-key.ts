/**
 * Which server a recorded identity (`check_results.servers -> source`) names, as gates compare
 * them: one SQL expression, so the gate's own comparison and the store's search for a later,
 * different reading cannot disagree about what "the same server" is.
 *
 * The same server is the same cluster (`system_identifier`), on the same timeline (a promotion —
 * of a clone restored from a base backup, or of a standby in a failover — starts another, and the
 * clone keeps everything else), and the same database in it (its oid, which a rename or a restore
 * over the name does not keep, and its name). Address and port are left out, so a pooler in front
 * or a standby of the same timeline changes nothing — except where the system identifier or the
 * timeline could not be read (no EXECUTE on pg_control_system() or pg_control_checkpoint()): then
 * address, port and the postmaster's start stand in (a cluster restored in place keeps the
 * address, the port and often the database's oid). An embedded database is also its own id and
 * data directory (`embedded_id`, `data_dir`; null on Postgres servers): every embedded database is
 * a copy of one template, so the fields before name the same cluster and database for all of them.
 */
import { sql, type SQL } from 'drizzle-orm';

/** What a gate compares: equal keys name the same server. Absent fields (older results) are null. */
export interface ServerKey {
  system_identifier: string | null;
  /** Absent on results recorded before the timeline was read (they compare as another server once). */
  timeline?: number | null;
  database_oid: string | null;
  database: string | null;
  address?: string | null;
  port?: number | null;
  postmaster_started?: string | null;
  /** Embedded databases only (src/embedded/identity.ts); null on Postgres servers and on results recorded before embedded ids. */
  embedded_id?: string | null;
  data_dir?: string | null;
}

/** The key of one recorded identity (a jsonb expression), as jsonb; equal jsonb is the same server. */
export function serverKey(identity: SQL): SQL {
  return sql`(case when (${identity})->>'system_identifier' is not null and (${identity})->>'timeline' is not null
    then jsonb_build_object('system_identifier', (${identity})->'system_identifier', 'timeline', (${identity})->'timeline', 'database_oid', (${identity})->'database_oid', 'database', (${identity})->'database',
      'embedded_id', (${identity})->'embedded_id', 'data_dir', (${identity})->'data_dir')
    else jsonb_build_object('system_identifier', (${identity})->'system_identifier', 'timeline', (${identity})->'timeline', 'database_oid', (${identity})->'database_oid', 'database', (${identity})->'database', 'address', (${identity})->'address', 'port', (${identity})->'port',
      'postmaster_started', (${identity})->'postmaster_started', 'embedded_id', (${identity})->'embedded_id', 'data_dir', (${identity})->'data_dir') end)`;
}

/** "cluster 7716…, database app (oid 16384)", for reasons a person reads. */
export function describeServerKey(key: ServerKey): string {
  const started = key.postmaster_started ? `, started ${new Date(Number(key.postmaster_started) * 1000).toISOString()}` : '';
  const named = key.system_identifier !== null && (key.timeline ?? null) !== null;
  const cluster = named ? `cluster ${key.system_identifier}` : `cluster ${key.system_identifier ?? 'unknown'}, at ${key.address ?? 'a local socket'}:${key.port ?? '-'}${started}`;
  const embedded = key.embedded_id ? `embedded database ${key.embedded_id} under ${key.data_dir ?? 'an unrecorded data directory'}, ` : '';
  return `${embedded}${cluster}, timeline ${key.timeline ?? 'unknown'}, database ${key.database ?? 'unknown'} (oid ${key.database_oid ?? 'not recorded'})`;
}

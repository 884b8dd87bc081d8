/**
 * Which server a check actually read, recorded with its result for the audit trail: the
 * definition hash says where a check was *meant* to read, this says where it *did*.
 */

import type { ReplicaLag } from './replica-lag.js';

/** What the verified database said about itself, inside parity's read-only session. */
export interface ServerIdentity {
  /** pg_control_system().system_identifier: the cluster's identity across restarts and renames; null when not permitted. */
  system_identifier: string | null;
  /** Why system_identifier is null (e.g. permission denied), else absent. */
  system_identifier_unavailable?: string;
  database: string;
  /**
   * The database's oid: tells apart two databases of one cluster that took each other's name
   * (renamed, or restored over it). Absent on results recorded before it was read.
   */
  database_oid?: string | null;
  /**
   * pg_control_checkpoint().timeline_id: a promotion starts a new one, so a clone restored from a
   * base backup and promoted (same system identifier, same oids) is told from its origin by it; a
   * standby replaying its primary's timeline names the same. Null where not permitted; absent on
   * results recorded before it was read.
   */
  timeline?: number | null;
  user: string;
  /**
   * Where system_identifier or timeline could not be read: when the server's postmaster started (epoch seconds
   * as numeric text), standing in for the cluster beside address and port. A cluster restored or
   * re-created in place keeps the address, port and often the database's oid, never this. Absent
   * when the system identifier and the timeline were read (and on results recorded before it was).
   */
  postmaster_started?: string | null;
  /**
   * On embedded sources only: the embedded database's own id (src/embedded/identity.ts). Every
   * embedded database is copied from one template, so the fields above name the same cluster and
   * database for all of them; this and `data_dir` tell them apart.
   */
  embedded_id?: string;
  /** On embedded sources only: the data directory the database was opened under, resolved. */
  data_dir?: string;
  /**
   * Where the catalog's URL for this source was meant to reach (checkfile/reach-key.ts): the gate
   * takes any reading recorded under the key a source has now as a reading of that source, whatever
   * became of the check that took it. Absent on results recorded before it was, or read without a catalog.
   */
  target?: string;
  /** inet_server_addr() / inet_server_port(); null over a Unix socket and on embedded sources. */
  address: string | null;
  port: number | null;
  /** server_version_num, e.g. 170002. */
  version_num: number;
  version: string;
  /** pg_is_in_recovery(): true on a standby. */
  in_recovery: boolean;
  /** Roles and privileges that let this session write (see sources/preflight.ts); empty when least-privilege. */
  privilege_warnings: string[];
  /** The replay lag this check read under (the worse of before and after its reads); absent when it could not be read and no limit was set. */
  replica_lag?: ReplicaLag;
}

/**
 * Whether two recorded identities name the same server, as gates judge it: the same cluster,
 * timeline and database (address, port and the postmaster's start too where the system identifier
 * or the timeline was not readable), and the same embedded database (its id and data directory)
 * where either is one. The SQL twin the gate's store query uses is store/server-key.ts; the two
 * must agree.
 */
export function sameServer(a: Partial<ServerIdentity>, b: Partial<ServerIdentity>): boolean {
  const same = (x: unknown, y: unknown) => (x ?? null) === (y ?? null);
  if (!same(a.system_identifier, b.system_identifier) || !same(a.timeline, b.timeline) || !same(a.database_oid, b.database_oid) || !same(a.database, b.database)) return false;
  if (!same(a.embedded_id, b.embedded_id) || !same(a.data_dir, b.data_dir)) return false;
  const named = (a.system_identifier ?? null) !== null && (a.timeline ?? null) !== null;
  return named || (same(a.address, b.address) && same(a.port, b.port) && same(a.postmaster_started, b.postmaster_started));
}

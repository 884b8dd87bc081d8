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
  user: string;
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

/**
 * Foreign tables a read would reach, refused before the read. A foreign table's rows are not in
 * the transaction parity reads in: its wrapper fetches them from elsewhere — postgres_fdw opens a
 * session on its server (in PostgreSQL 15 that remote transaction is not read only, and whatever
 * the remote relation runs there, a view calling a function that writes, commits with parity's
 * read; the server may be this very database), file_fdw reads a file or runs a program on the
 * database server. Nothing in the local catalog tells what the remote side runs or where it is, so
 * no wrapper is judged harmless: every foreign table a statement reaches — named, under a view,
 * or as an inheriting table or partition — is refused (implicit-code.ts finds them).
 */
import { Fault } from '../results/fault.js';

/** A foreign table a read would reach: its name (regclass text) and its server and wrapper. */
export interface ReachedForeignTable {
  readonly relation: string;
  readonly what: string;
}

/** The fault for reading foreign tables, phrased once. */
export function foreignTableFault(source: string, tables: readonly ReachedForeignTable[]): Fault {
  const named = [...new Set(tables.map((t) => `${t.relation} (${t.what})`))].sort();
  return new Fault({
    code: 'foreign_table',
    message: `source "${source}": this read would reach ${named.length === 1 ? 'a foreign table' : 'foreign tables'}: ${named.join('; ')}. `
      + 'A foreign table\'s rows come from outside the read-only transaction parity reads in: its wrapper fetches them from another server or a file (postgres_fdw\'s remote transaction is not read only, so a remote view or function could write — into this very database through a loopback — and file_fdw may run a program), so parity reads through none. '
      + 'Point a source at the foreign server itself and check the table there, or check a local copy of it',
  });
}

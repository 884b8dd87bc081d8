/**
 * Which embedded database is which. Every embedded database is a copy of one cached template
 * (template.ts), so all of them name the same cluster to `pg_control_system()`, on timeline 1, in
 * database `postgres` with the same oid: what tells Postgres servers apart tells nothing here. So
 * each embedded database gets an id of its own — random, made once when parity first opens it — in
 * a file parity owns inside the database's directory (beside Postgres's own files, never in the
 * template), and its identity is that id with the resolved data directory it is opened under.
 *
 * The file is no write to the verified data: no statement, row, catalog entry or setting any query
 * can read changes, and the directory is one parity made. A byte-for-byte copy of a database
 * carries the id with it; the data directory in the identity tells a copy (or a move) elsewhere
 * from its origin. See docs/decisions.md, "Every embedded database has an identity of its own".
 */
import { randomUUID } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** What a result records about an embedded database, and what a gate compares with the one a source reaches now. */
export interface EmbeddedIdentity {
  /** The database's own id: a random UUID made when parity first opened it. */
  embedded_id: string;
  /** The data directory it lives under, resolved (`memory:<scope>` in memory). */
  data_dir: string;
}

/** The file inside an embedded database's directory that holds its id. */
export const EMBEDDED_ID_FILE = 'parity-embedded-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The id in `databaseDir`, or null when there is none (never opened by this version, or not a database). */
export function readEmbeddedId(databaseDir: string): string | null {
  try {
    const id = readFileSync(path.join(databaseDir, EMBEDDED_ID_FILE), 'utf8').trim();
    return UUID.test(id) ? id : null;
  } catch {
    return null;
  }
}

/**
 * The id in `databaseDir`, made first when it has none. Written beside, then linked into place
 * (which never replaces a file), so a reader never sees half an id and two openers agree on one.
 */
export function ensureEmbeddedId(databaseDir: string): string {
  const existing = readEmbeddedId(databaseDir);
  if (existing) return existing;
  const target = path.join(databaseDir, EMBEDDED_ID_FILE);
  const partial = `${target}.partial-${process.pid}-${randomUUID()}`;
  const fd = openSync(partial, 'wx', 0o600);
  try {
    writeSync(fd, `${randomUUID()}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(partial, target);
  } catch (error) {
    // Another opener linked first (or a malformed file is there): theirs is the id, or none is.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(partial, { force: true });
  }
  const id = readEmbeddedId(databaseDir);
  if (!id) throw new Error(`${target} holds no embedded database id; move it aside and open the database again`);
  return id;
}

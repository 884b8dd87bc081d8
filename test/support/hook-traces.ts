/**
 * What code a read must never run left behind in a test database: rows its hooks wrote into
 * `hits(what)`, and advisory locks held by a session other than the test's own — on this database
 * only, since pg_locks is the whole cluster's and other test files take advisory locks of their own.
 * PGlite has one session: any advisory lock there is the hook's.
 */
import type { TestDatabase } from './databases.js';

export async function hookTraces(db: TestDatabase): Promise<unknown[]> {
  const locks = db.engine === 'postgres'
    ? await db.exec(`select objid::text as t from pg_locks where locktype = 'advisory' and pid <> pg_backend_pid()
        and database = (select oid from pg_database where datname = current_database())`)
    : await db.exec("select objid::text as t from pg_locks where locktype = 'advisory'");
  return [...(await db.exec('select what as t from hits')), ...locks].map((r) => r.t);
}

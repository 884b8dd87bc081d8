/**
 * A read waits for its connection only so long. postgres.js loses a reserve's waiter when the
 * connection closes while it asks for the server's array types (it reconnects without it), so a
 * read against a server that dropped the connection at that moment waited forever. It now fails
 * as a connection fault (could not verify) once the connect timeout and the statement timeout have
 * passed, and the source reads normally after.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { SourceQueryError } from '../../src/sources/errors.js';
import { createTestDatabase, describeOnPostgres, registryFor, type TestDatabase } from '../support/databases.js';
import { withDatabase } from '../support/postgres-url.js';
import { closingAtTypeQuery, type TypeQueryProxy } from '../support/type-query-proxy.js';

describeOnPostgres('a read whose connection is lost while it opens', () => {
  let db: TestDatabase;
  let proxy: TypeQueryProxy;
  let registry: SourceRegistry;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    // The first connection is closed as its type query passes; later ones go through.
    proxy = await closingAtTypeQuery(new URL(process.env.TEST_DATABASE_URL!));
    const url = new URL(withDatabase(process.env.TEST_DATABASE_URL!, new URL(db.url).pathname.slice(1)));
    url.port = String(proxy.port);
    registry = registryFor({ ...db, url: url.toString() }, 'app', { max_connections: 1 });
  });
  afterAll(async () => {
    await registry?.closeAll();
    proxy?.close();
    await db?.close();
  });

  it('fails as a connection fault within the connect and statement timeouts, then reads again', { timeout: 40_000 }, async () => {
    const source = await registry.get('app');
    const started = performance.now();
    const read = source.readOnly((session) => session.query({ text: 'select 1 as one', params: [] }), { statementTimeoutMs: 500 });
    const error = await read.then(() => undefined, (e: unknown) => e);
    expect(proxy.closed()).toBe(1);
    expect(error).toBeInstanceOf(SourceQueryError);
    expect((error as SourceQueryError).fault.code).toBe('connection');
    expect(performance.now() - started).toBeLessThan(20_000);
    const rows = await source.readOnly((session) => session.query({ text: 'select 1 as one', params: [] }), { statementTimeoutMs: 5_000 });
    expect(rows).toEqual([{ one: 1 }]);
  });
});

/**
 * A read runs on a reserved connection: BEGIN READ ONLY, the pinning and its first statement go
 * out together, and the connection goes back to the pool only after COMMIT or ROLLBACK. If it ever
 * went back inside an open transaction, the next read's BEGIN would be a mere warning and that
 * read would run in the earlier read's snapshot and settings. Each way a read can end early — a
 * row consumer's error, an abort before, during and between statements, a statement timeout, a
 * terminated backend, an error thrown by the work itself — is followed here by a read on the same
 * one-connection pool that must run in a transaction of its own, read only and pinned.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, registryFor, type TestDatabase } from '../support/databases.js';
import type { Source } from '../../src/sources/types.js';
import type { SourceRegistry } from '../../src/sources/registry.js';

const q = (text: string) => ({ text, params: [] as unknown[] });

describeOnPostgres('what a read that ended early leaves on its connection, on postgres', () => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  let source: Source;
  let admin: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    registry = registryFor(db, 'app', { max_connections: 1 });
    source = await registry.get('app');
    admin = postgres(db.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await registry.closeAll();
    await admin.end();
    await db.close();
  });

  /** A read after the early end: its transaction started with it, read only, pinned. */
  async function expectFresh(label: string) {
    const before = Date.now();
    const [row] = await source.readOnly((s) => s.query(q(`select extract(epoch from xact_start)::float8 * 1000 as xact_ms, pg_catalog.current_setting('transaction_read_only') as ro, pg_catalog.current_setting('TimeZone') as tz, pg_catalog.current_setting('statement_timeout') as st, pg_catalog.pg_current_xact_id_if_assigned()::text as xid from pg_catalog.pg_stat_activity where pid = pg_catalog.pg_backend_pid()`)), { statementTimeoutMs: 30_000 }) as Record<string, unknown>[];
    expect(row, label).toMatchObject({ ro: 'on', tz: 'UTC', st: '30s', xid: null });
    expect(Number(row!.xact_ms), label).toBeGreaterThanOrEqual(before - 50);
  }

  it('every early end leaves a connection whose next read is its own transaction', async () => {
    const big = q('select g from generate_series(1, 200000) g');
    const attempts: [string, () => Promise<unknown>][] = [
      ['consumer error on the first row', () => source.readOnly((s) => s.each!(big, () => { throw new Error('consumer'); }), { statementTimeoutMs: 30_000 })],
      ['abort during a statement', () => {
        const c = new AbortController();
        setTimeout(() => c.abort(), 30);
        return source.readOnly((s) => s.query(q('select pg_sleep(2)')), { statementTimeoutMs: 30_000, signal: c.signal });
      }],
      ['abort while rows stream', () => {
        const c = new AbortController();
        let n = 0;
        return source.readOnly((s) => s.each!(big, () => { if (++n === 10) c.abort(); }), { statementTimeoutMs: 30_000, signal: c.signal });
      }],
      ['abort between statements', () => {
        const c = new AbortController();
        return source.readOnly(async (s) => { await s.query(q('select 1')); c.abort(); return s.query(q('select 2')); }, { statementTimeoutMs: 30_000, signal: c.signal });
      }],
      ['aborted before the first statement', () => {
        const c = new AbortController();
        c.abort();
        return source.readOnly((s) => s.query(q('select 1')), { statementTimeoutMs: 30_000, signal: c.signal });
      }],
      ['statement timeout', () => source.readOnly((s) => s.query(q('select pg_sleep(2)')), { statementTimeoutMs: 50 })],
      ['work throws with a statement still in flight', () => source.readOnly(async (s) => { void s.query(q('select pg_sleep(0.2)')).catch(() => {}); throw new Error('work'); }, { statementTimeoutMs: 30_000 })],
      ['work throws after a statement', () => source.readOnly(async (s) => { await s.query(q('select 1')); throw new Error('work'); }, { statementTimeoutMs: 30_000 })],
      ['a failed statement the work swallows, then a return', () => source.readOnly(async (s) => { await s.query(q('select 1/0')).catch(() => {}); return 1; }, { statementTimeoutMs: 30_000 })],
      ['backend terminated mid-statement', async () => {
        const reading = source.readOnly((s) => s.query(q('select pg_sleep(2)')), { statementTimeoutMs: 30_000 });
        reading.catch(() => {}); // it fails while the terminate is awaited
        await new Promise((r) => setTimeout(r, 100));
        await admin.unsafe("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'parity' and query like '%pg_sleep(2)%'");
        return reading;
      }],
    ];
    for (const [label, attempt] of attempts) {
      await attempt().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
      await expectFresh(label);
      await expectFresh(`${label}, twice`);
    }
  });

  it('a swallowed failed statement never makes a result', async () => {
    await expect(source.readOnly(async (s) => { await s.query(q('select 1/0')).catch(() => {}); return 'answer'; }, { statementTimeoutMs: 30_000 })).rejects.toThrow();
  });
});

describe.each(engines)('a read whose work swallowed a failed statement, on %s', (engine) => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    registry = registryFor(db, 'app', { max_connections: 1 });
  });
  afterAll(async () => {
    await registry.closeAll();
    await db.close();
  });

  it('gives no answer, and the next read still answers', async () => {
    const source = await registry.get('app');
    await expect(source.readOnly(async (s) => { await s.query(q('select 1/0')).catch(() => {}); return 'answer'; }, { statementTimeoutMs: 30_000 })).rejects.toThrow();
    await expect(source.readOnly((s) => s.query(q('select 7 as n')), { statementTimeoutMs: 30_000 })).resolves.toEqual([{ n: 7 }]);
  });
});

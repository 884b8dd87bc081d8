import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresState } from '../../src/store/database.js';
import { migrateState, readMigrations } from '../../src/store/migrate.js';
import type { Store } from '../../src/store/store.js';
import * as schema from '../../src/store/schema.js';
import { is } from 'drizzle-orm';
import { PgTable, getTableConfig } from 'drizzle-orm/pg-core';
import { createTestDatabase, createTestStore, describeOnPostgres, engines } from '../support/databases.js';

describe.each(engines)('state store on %s', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await createTestStore(engine));
  });
  afterAll(() => close());

  async function runWithResult(checkId: string, status: 'pass' | 'fail' | 'error', finishedAt: Date) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await store.createRun({ id: runId, trigger: 'api', checkIds: [checkId], selector: { ids: [checkId] }, createdAt: finishedAt });
    await store.startResult({ id: resultId, runId, checkId, kind: 'row_count', definitionHash: 'h1' });
    await store.finishResult(resultId, {
      status, summary: 's', observations: { mismatches: 2, nested: { a: [1, 'x'] } },
      statements: [{ source: 'app', sql: 'select 1', params: [1], duration_ms: 1.5 }],
      error: status === 'error' ? { code: 'timeout', message: 'too slow', sqlstate: '57014' } : null,
      finishedAt, durationMs: 12,
      samples: [{ category: 'mismatch', key: { id: '42' }, old: 'a', new: null }, { category: 'missing_in_new', key: { id: '7' }, detail: { x: true } }, { category: 'mismatch', key: { id: '9' }, old: { nested: [1] }, new: 0 }],
    });
    await store.finishRun(runId, 'finished', { pass: 0, fail: 1, error: 0, total: 1 }, finishedAt);
    return { runId, resultId };
  }

  it('round-trips runs, results, JSON and samples with the same shapes on both drivers', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    const { runId } = await runWithResult('shape', 'fail', at);
    const run = await store.getRun(runId);
    expect(run).toMatchObject({ status: 'finished', checkIds: ['shape'], selector: { ids: ['shape'] }, summary: { fail: 1 } });
    expect(run?.createdAt).toEqual(at);
    const [result] = run!.results;
    expect(result).toMatchObject({
      status: 'fail', observations: { mismatches: 2, nested: { a: [1, 'x'] } },
      statements: [{ source: 'app', sql: 'select 1', params: [1], duration_ms: 1.5 }], durationMs: 12,
    });
    // Result times are the store's clock, never the replica's (`at` is only the replica's claim).
    expect(result?.finishedAt?.getTime()).not.toBe(at.getTime());
    expect(Math.abs(result!.finishedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(result?.samples).toEqual([
      { category: 'mismatch', key: { id: '42' }, old: 'a', new: null },
      { category: 'missing_in_new', key: { id: '7' }, detail: { x: true } },
      { category: 'mismatch', key: { id: '9' }, old: { nested: [1] }, new: 0 },
    ]);
  });

  it('returns the newest finished result per check, ignoring running ones', async () => {
    await runWithResult('latest', 'pass', new Date('2026-01-01T00:00:00Z'));
    const { resultId } = await runWithResult('latest', 'error', new Date('2026-01-01T01:00:00Z'));
    const runId = randomUUID();
    await store.createRun({ id: runId, trigger: 'api', checkIds: ['latest'], selector: {}, createdAt: new Date() });
    await store.startResult({ id: randomUUID(), runId, checkId: 'latest', kind: 'row_count', definitionHash: 'h1' });
    const latest = await store.latestFinished(['latest', 'unknown']);
    expect([...latest.keys()]).toEqual(['latest']);
    expect(latest.get('latest')).toMatchObject({ id: resultId, status: 'error', error: { code: 'timeout' } });
    expect(await store.runningChecks(['latest'])).toEqual(new Set(['latest']));
  });

  it('lists history newest first and runs by creation time', async () => {
    await runWithResult('hist', 'pass', new Date('2025-05-01T00:00:00Z'));
    await runWithResult('hist', 'fail', new Date('2025-05-02T00:00:00Z'));
    const history = await store.checkHistory('hist', 10);
    expect(history.map((r) => r.status)).toEqual(['fail', 'pass']);
    const runs = await store.listRuns(2);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.createdAt.getTime()).toBeGreaterThanOrEqual(runs[1]!.createdAt.getTime());
  });

  it('re-running the migrator applies nothing', async () => {
    expect(await migrateState(store.state.raw)).toEqual([]);
  });

  // A resumed chunked scan's evidence began when the interrupted run read its first chunks: a
  // failure recorded after that, though before the resuming run began, must still deny it.
  it('dates a resumed scan\'s evidence from the interrupted run\'s first chunk', async () => {
    const since = new Date(Date.now() - 3_600_000);
    const resumedPass = async (checkId: string) => {
      const runId = randomUUID();
      const resultId = randomUUID();
      await store.createRun({ id: runId, trigger: 'api', checkIds: [checkId], selector: {}, createdAt: new Date() });
      await store.startResult({ id: resultId, runId, checkId, kind: 'column_parity', definitionHash: 'h1' });
      await store.finishResult(resultId, {
        status: 'pass', summary: 'resumed', observations: { resumed_from: { run_id: 'earlier', chunks: 3, rows_scanned: 30, since: since.toISOString() } },
        statements: [], error: null, finishedAt: new Date(), durationMs: 1, samples: [],
      });
      return resultId;
    };
    const alone = await resumedPass('resumed-alone');
    const aloneRow = (await store.gateEvidence(['resumed-alone'])).latest.get('resumed-alone')!;
    expect(aloneRow).toMatchObject({ resultId: alone, status: 'pass', laterNonPass: null });
    expect(aloneRow.resumedSince?.getTime()).toBe(since.getTime());

    const { resultId: failed } = await runWithResult('resumed', 'fail', new Date());
    await resumedPass('resumed');
    // The fail was read after the resumed pass's evidence began: it is the outcome judged.
    const row = (await store.gateEvidence(['resumed'])).latest.get('resumed')!;
    expect(row).toMatchObject({ resultId: failed, status: 'fail' });
  });

  it('hands the gate the evidence a pass was reached without', async () => {
    const runId = randomUUID();
    const resultId = randomUUID();
    await store.createRun({ id: runId, trigger: 'api', checkIds: ['catalog-only'], selector: {}, createdAt: new Date() });
    await store.startResult({ id: resultId, runId, checkId: 'catalog-only', kind: 'unused', definitionHash: 'h1' });
    await store.finishResult(resultId, {
      status: 'pass', summary: 'catalog only', observations: { evidence_not_read: ['statement calls (pg_stat_statements)'] },
      statements: [], error: null, finishedAt: new Date(), durationMs: 1, samples: [],
    });
    const { latest } = await store.gateEvidence(['catalog-only', 'resumed-alone']);
    expect(latest.get('catalog-only')?.evidenceNotRead).toEqual(['statement calls (pg_stat_statements)']);
    expect(latest.get('resumed-alone')?.evidenceNotRead).toEqual([]);
  });

  it('holds exactly the tables the schema declares (the dead parity.meta is dropped)', async () => {
    const tables = await store.state.raw.transaction((exec) => exec(
      "select table_name from information_schema.tables where table_schema = 'parity'"));
    const declared = Object.values(schema).filter((value) => is(value, PgTable)).map((table) => getTableConfig(table as PgTable).name);
    expect(tables.map((row) => row.table_name).sort()).toEqual([...declared, 'schema_migrations'].sort());
    expect(declared).not.toContain('meta');
  });
});

describeOnPostgres('state migrations on real Postgres', () => {
  it('replicas migrating at once apply each migration exactly once', async () => {
    const db = await createTestDatabase('postgres');
    const states = Array.from({ length: 4 }, () => openPostgresState(db.url, { max: 1 }));
    try {
      const applied = await Promise.all(states.map((s) => migrateState(s.raw)));
      const tags = (await readMigrations()).map((m) => m.tag);
      expect(applied.flat().sort()).toEqual([...tags].sort());
      const rows = await db.exec('select tag from parity.schema_migrations');
      expect(rows.map((r) => r.tag)).toEqual(tags);
    } finally {
      await Promise.all(states.map((s) => s.close()));
      await db.close();
    }
  });

  it('refuses to run against a schema migrated by a newer parity', async () => {
    const db = await createTestDatabase('postgres');
    const state = openPostgresState(db.url, { max: 1 });
    try {
      await migrateState(state.raw);
      await db.exec("insert into parity.schema_migrations (tag, hash) values ('9999_future', 'x')");
      await expect(migrateState(state.raw)).rejects.toThrow(/newer parity.*9999_future/);
    } finally {
      await state.close();
      await db.close();
    }
  });
});

/**
 * A check's own count statement proves which relation its side's name reached: sent first in the
 * count's transaction, under a lock held while it counts. Two ordinary tables of different oids,
 * counted that way, need no self-comparison probe before or after (the probes were two catalog
 * transactions per side, before and after: ~4 ms of every row_count's ~9). Everything the proof
 * cannot settle — a view, one table under two names, a chunked scan, reads beside the counts —
 * is still asked of the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXTURE = `
  create table ledger_old (id int primary key, amount int);
  create table ledger_new (id int primary key, amount int);
  insert into ledger_old select g, g from generate_series(1, 300) g;
  insert into ledger_new select g, g from generate_series(1, 300) g;
  create view ledger_old_all as select * from ledger_old;
`;

const rowCount = (old: string, neu: string) => `  - { id: c, kind: row_count, old: { source: app, table: ${old} }, new: { source: app, table: ${neu} } }`;

/** Catalog statements of the self-comparison probe: a relation-kind lookup or the full reach. */
const isProbe = (sql: string) => /^select c\.oid::pg_catalog\.text as oid, c\.relkind::pg_catalog\.text as kind, c\.relhassubclass as children from pg_catalog\.pg_class c\s+where c\.oid operator|with recursive chain/.test(sql);

describe.each(engines)('self-comparison settled by the counts themselves, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db?.close());

  const run = (check: string, sourceOptions = ''): Promise<FinishedResult> =>
    runCheckFile(db, `sources:\n  app: { url: "${db.url}"${sourceOptions} }\nchecks:\n${check}\n`);


  it('reads two plain tables with their counts alone: no probe before or after', async () => {
    const result = await run(rowCount('ledger_old', 'ledger_new'));
    expect(result.status, result.summary).toBe('pass');
    expect(result.statements.filter((s) => isProbe(s.sql))).toEqual([]);
    expect(result.statements.map((s) => s.sql).every((sql) => /count\(\*\)/.test(sql))).toBe(true);
    // Both sides in one statement: compared counts are read in one snapshot (ScanExecutor.countTogether).
    expect(result.statements).toHaveLength(1);
  });

  it('still asks the server when a count proved a view, and refuses the self-comparison', async () => {
    const result = await run(rowCount('ledger_old', 'ledger_old_all'));
    expect(result.status).toBe('error');
    expect(result.error).toMatchObject({ code: 'self_comparison' });
    expect(result.statements.some((s) => isProbe(s.sql))).toBe(true);
  });

  it('still asks the server when both counts proved one table under two names', async () => {
    const result = await run(rowCount('ledger_old', 'public.ledger_old'));
    expect(result.status).toBe('error');
    expect(result.error).toMatchObject({ code: 'self_comparison' });
  });

  it('probes before a chunked scan, whose chunks are separate transactions; after, the relation every chunk proved settles it', async () => {
    const result = await run(rowCount('ledger_old', 'ledger_new'), ', scan: { mode: chunked, chunk_rows: 100 }');
    expect(result.status, result.summary).toBe('pass');
    const sqls = result.statements.map((s) => s.sql);
    const probes = sqls.flatMap((sql, i) => (isProbe(sql) ? [i] : []));
    const counts = sqls.flatMap((sql, i) => (/count\(\*\)/.test(sql) ? [i] : []));
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(Math.min(...probes)).toBeLessThan(Math.min(...counts));
    // Two ordinary tables of different oids, each read by every chunk of its side: nothing to ask by name.
    expect(Math.max(...probes)).toBeLessThan(Math.min(...counts));
  });

  it('refuses a chunked scan of one table under two names, asking about the relation its chunks read', async () => {
    const result = await run(rowCount('ledger_old', 'public.ledger_old'), ', scan: { mode: chunked, chunk_rows: 100 }');
    expect(result.status).toBe('error');
    expect(result.error).toMatchObject({ code: 'self_comparison' });
  });

  it('probes after a pass when the kind read beyond its counts', async () => {
    // column_parity's join reads both tables in statements of its own, not in proven counts.
    const result = await run(`  - { id: c, kind: column_parity, source: app, key: [id], old: { table: ledger_old, expr: amount }, new: { table: ledger_new, expr: amount } }`);
    expect(result.status, result.summary).toBe('pass');
    expect(result.statements.some((s) => isProbe(s.sql))).toBe(true);
  });
});

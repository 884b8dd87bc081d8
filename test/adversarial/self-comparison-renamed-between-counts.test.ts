/**
 * A name moved between the two counts. Each count proves, under its lock, which relation it read
 * (runner/scans.ts); here both read the same table: the old side's `ledger_old` is counted, then —
 * while new's count waits for a lock on `ledger_new` — `ledger_new` is renamed away and `ledger_old`
 * renamed to `ledger_new`, so new's count reads the very table old's did. The probe after reading
 * resolved the names again: `ledger_old` reached nothing and the check passed (300 vs 300, though
 * the real new table held 250 rows). The proofs said both counts read one relation; they now decide.
 * The same with chunked scans, and with a view new counted and then redefined over another table
 * before the probe asked what it shows (the proof carries the view's rule versions now).
 * The sides name two sources, configured apart, that reach the same database: on one source (or two
 * configured alike) the two counts are one statement (one snapshot, row-count-one-snapshot.test.ts)
 * and nothing can move between them.
 * Postgres only: PGlite has one session, so no DDL can wait between two of its statements.
 */
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { execute, registryForCatalog } from '../support/run-check.js';

const FIXTURE = `
  create table ledger_old (id int primary key, amount int);
  create table ledger_new (id int primary key, amount int);
  insert into ledger_old select g, g from generate_series(1, 300) g;
  insert into ledger_new select g, g from generate_series(1, 250) g;
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a row_count of ledger_old against ledger_new while new's count waits for a lock on
 * ledger_new; once old's count has read, `ddl` runs in the lock's transaction and commits.
 */
async function countWhileRenaming(db: TestDatabase, ddl: string[], sourceOptions = '', sides = { old: 'ledger_old', new: 'ledger_new', locked: 'ledger_new', lock: 'lock table ledger_new in access exclusive mode' }) {
  const blocker = postgres(db.url, { max: 1, onnotice: () => {} });
  try {
    let running: ReturnType<typeof execute> | undefined;
    await blocker.begin(async (tx) => {
      await tx.unsafe(sides.lock);
      const source = `{ url: "${db.url}", lock_timeout: 20000${sourceOptions} }`;
      // Configured apart (a timeout of its own): sources configured alike share one statement too.
      const parsed = parseCheckFile(`sources:\n  app: ${source}\n  app_too: ${source.replace('lock_timeout: 20000', 'lock_timeout: 20001')}\nchecks:\n  - { id: c, kind: row_count, old: { source: app, table: ${sides.old} }, new: { source: app_too, table: ${sides.new} } }\n`, 'test.yaml', {});
      if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
      const catalog = buildCatalog([parsed]);
      if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
      const registry = registryForCatalog(catalog, { app: db });
      running = execute([...catalog.checks.values()][0]!, registry).finally(() => registry.closeAll());
      // Wait until new's count waits on the lock; old's count (not blocked) has read ledger_old by then.
      for (let i = 0; i < 400; i++) {
        const [waiting] = await db.exec(`select count(*)::int as n from pg_locks where not granted and relation = '${sides.locked}'::regclass`);
        if (Number(waiting?.n) > 0) break;
        await sleep(25);
      }
      await sleep(300);
      for (const statement of ddl) await tx.unsafe(statement);
    });
    const result = await running!;
    expect(result.statements.filter((s) => /count\(\*\)/.test(s.sql)).length, result.summary).toBeGreaterThanOrEqual(2);
    return result;
  } finally {
    await blocker.end();
  }
}

describe.each(engines.filter((engine) => engine === 'postgres'))('a table renamed between the two counts, on %s', (engine) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterEach(() => db?.close());

  it('is a self_comparison when both counts proved the same table, though the names reach others after', async () => {
    const result = await countWhileRenaming(db, ['alter table ledger_new rename to ledger_new_gone', 'alter table ledger_old rename to ledger_new']);
    expect(result.status, result.summary).toBe('error');
    expect(result.error).toMatchObject({ code: 'self_comparison' });
  });

  it('is a self_comparison when new counted a view over the table old counted, renamed away after', async () => {
    const result = await countWhileRenaming(db, [
      'alter table ledger_new rename to ledger_new_gone',
      'create view ledger_new as select * from ledger_old',
      'alter table ledger_old rename to ledger_old_moved',
    ]);
    expect(result.status, result.summary).toBe('error');
    expect(result.error).toMatchObject({ code: 'self_comparison' });
  });

  it('is a self_comparison when chunked scans counted the same table, each chunk proving it', async () => {
    const result = await countWhileRenaming(db, ['alter table ledger_new rename to ledger_new_gone', 'alter table ledger_old rename to ledger_new'], ', scan: { mode: chunked, chunk_rows: 100 }');
    expect(result.statements.filter((s) => /^select min\("id"\)/.test(s.sql))).toHaveLength(2);
    expect(result.status, result.summary).toBe('error');
    expect(result.error).toMatchObject({ code: 'self_comparison' });
  });

  it('is not a pass when the view new counted was redefined over another table before it was asked about', async () => {
    // old reads ledger_old through a plain view counted last (its lock held); new's view, counted
    // first over ledger_old too, is redefined over ledger_new before the probe asks what it shows.
    await db.exec(`create view ledger_old_all as select * from ledger_old; create view ledger_shown as select * from ledger_old;`);
    // LOCK TABLE on a view locks the tables under it too: an ALTER VIEW locks the view alone.
    const lock = 'alter view ledger_old_all set (security_barrier = false)';
    const result = await countWhileRenaming(db, ['create or replace view ledger_shown as select * from ledger_new'], '', { old: 'ledger_old_all', new: 'ledger_shown', locked: 'ledger_old_all', lock });
    expect(result.status, result.summary).toBe('error');
    expect(result.error).toMatchObject({ code: 'table_replaced', message: expect.stringMatching(/ledger_shown on source "app_too" was counted from was redefined/) });
  });

  it('still passes a copy created under the new name between the counts (two tables, compared)', async () => {
    // Control: new's count reads a third table, a copy of old's rows: two tables, compared.
    const result = await countWhileRenaming(db, [
      'alter table ledger_new rename to ledger_new_gone',
      'create table ledger_new as select * from ledger_old',
    ]);
    expect(result.status, result.summary).toBe('pass');
  });
});

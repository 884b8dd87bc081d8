/**
 * What a compared value is computed from is read from its plan after the scan, on a pass
 * (lineage/value-lineage.ts). A definition changed between the scan and that plan made the plan
 * describe something the scan never read: a view comparing `name` with itself during the scan,
 * redefined over `name_v2` before the plan was read, or a stored generated copy of `name` dropped
 * and added back as a plain column — each passed on data that differs (failed on the old code with
 * a pass). Now the definitions the scan proved it read are asked again once the plan is read; any
 * new version is "could not verify". The DDL runs, from another session, just before the plan is
 * asked for (the hook below): Postgres only, PGlite has one session.
 */
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';
import { watchedSources } from '../support/watched-sources.js';

const FIXTURE = `
  create table t (id int primary key, name text, name_v2 text);
  insert into t select g, 'name ' || g, 'WRONG' from generate_series(1, 40) g;
`;

/** Runs the check's first check; `ddl` runs on another connection just before the first plan request. */
async function runWithDdlBeforePlan(db: TestDatabase, yaml: string, ddl: string[]) {
  const catalog = catalogFromYaml(yaml, { app: db });
  const registry = registryForCatalog(catalog, { app: db });
  const other = postgres(db.url, { max: 1, onnotice: () => {} });
  // Every plan request waits for the DDL (two sides may ask at once, on two sessions).
  let changed: Promise<void> | undefined;
  try {
    const watched = watchedSources(registry, async (_session, statement) => {
      if (!/^\s*explain\b/i.test(statement.text)) return;
      changed ??= (async () => { for (const text of ddl) await other.unsafe(text); })();
      await changed;
    });
    const result = await execute([...catalog.checks.values()][0]!, watched);
    return { result, ran: changed !== undefined };
  } finally {
    await other.end();
    await registry.closeAll();
  }
}

describe.each(engines.filter((engine) => engine === 'postgres'))('a definition changed between the scan and its plan, on %s', (engine) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterEach(() => db?.close());

  it('same-table form over a view redefined from a self-comparison is never a pass', async () => {
    await db.exec("create view v as select id, name as old_c, name || '' as new_c from t");
    const { result, ran } = await runWithDdlBeforePlan(db, `checks:
  - { id: c, kind: column_parity, source: app, table: v, key: [id], old: old_c, new: new_c }
`, ["create or replace view v as select id, name as old_c, name_v2 || '' as new_c from t"]);
    expect(ran).toBe(true);
    expect({ status: result.status, code: result.error?.code }, result.summary).toEqual({ status: 'error', code: 'table_replaced' });
  });

  it('join form against a view redefined from the old table\'s own column is never a pass', async () => {
    await db.exec("create view v as select id, name || '' as new_c from t");
    const { result, ran } = await runWithDdlBeforePlan(db, `checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: t, expr: name }, new: { table: v, expr: new_c } }
`, ["create or replace view v as select id, name_v2 || '' as new_c from t"]);
    expect(ran).toBe(true);
    expect({ status: result.status, code: result.error?.code }, result.summary).toEqual({ status: 'error', code: 'table_replaced' });
  });

  it('same-table form over a stored generated copy replaced by a plain column is never a pass', async () => {
    await db.exec(`alter table t drop column name_v2; alter table t add column name_v2 text generated always as (name) stored;`);
    const { result, ran } = await runWithDdlBeforePlan(db, `checks:
  - { id: c, kind: column_parity, source: app, table: t, key: [id], old: name, new: name_v2 }
`, ['alter table t drop column name_v2', "alter table t add column name_v2 text default 'WRONG'"]);
    expect(ran).toBe(true);
    expect({ status: result.status, code: result.error?.code }, result.summary).toEqual({ status: 'error', code: 'table_replaced' });
  });

  it('table_diff of a view redefined from the old table\'s own rows is never a pass', async () => {
    await db.exec("create table t_new (id int primary key, name text); insert into t_new select id, name_v2 from t; create view v as select id, name || '' as name from t");
    const { result, ran } = await runWithDdlBeforePlan(db, `checks:
  - { id: c, kind: table_diff, key: [id], old: { source: app, table: t }, new: { source: app, table: v }, columns: { name: name } }
`, ["create or replace view v as select id, name || '' as name from t_new"]);
    expect(ran).toBe(true);
    expect({ status: result.status, code: result.error?.code }, result.summary).toEqual({ status: 'error', code: 'table_replaced' });
  });

  it('control: no change between them still passes on equal data', async () => {
    await db.exec("update t set name_v2 = name; create view v as select id, name as old_c, name_v2 as new_c from t");
    const { result } = await runWithDdlBeforePlan(db, `checks:
  - { id: c, kind: column_parity, source: app, table: v, key: [id], old: old_c, new: new_c }
`, []);
    expect(result.status, result.summary).toBe('pass');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('row_count on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users_legacy (id int primary key, deleted boolean not null default false);
      create table users (id int primary key, deleted_at timestamptz);
      insert into users_legacy select g, g % 10 = 0 from generate_series(1, 1000) g;
      insert into users select g, case when g % 10 = 0 then now() end from generate_series(1, 997) g;
    `);
  });
  afterAll(() => db.close());

  const check = (tolerance: string, where = '') => `
checks:
  - id: users-row-count
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: users${where} }
    tolerance: ${tolerance}
`;

  it('fails when new has fewer rows, naming both counts', async () => {
    const result = await runCheck(db, check('{ absolute: 0 }'));
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ old_rows: 1000, new_rows: 997, difference: -3, mismatches: 3 });
    expect(result.summary).toContain('3 fewer rows');
  });

  it('passes within an absolute tolerance', async () => {
    expect((await runCheck(db, check('{ absolute: 3 }'))).status).toBe('pass');
  });

  it('over two ordinary tables, asks the catalog nothing: each count proved which table it read (no view chain, no reader)', async () => {
    // Both sides read `count(*)`, so the self-comparison question stands; each count's own
    // transaction answers it (runner/self-comparison-proof.test.ts), not a probe per side.
    const result = await runCheck(db, check('{ absolute: 3 }'));
    expect(result.status).toBe('pass');
    const sqls = result.statements.map((s) => s.sql);
    expect(sqls.filter((text) => text.includes('c.relkind'))).toEqual([]);
    expect(sqls.filter((text) => text.includes('with recursive chain'))).toEqual([]);
  });

  it('applies relative tolerance as a ratio of old', async () => {
    expect((await runCheck(db, check('{ relative: 0.003 }'))).status).toBe('pass');
    expect((await runCheck(db, check('{ relative: 0.002 }'))).status).toBe('fail');
  });

  it('filters each side with its own where', async () => {
    const result = await runCheck(db, `
checks:
  - id: live-users
    kind: row_count
    old: { source: app, table: users_legacy, where: "not deleted" }
    new: { source: app, table: users, where: "deleted_at is null" }
`);
    expect(result.observations).toMatchObject({ old_rows: 900, new_rows: 898 });
  });

  it('reports a missing table as error, never pass', async () => {
    const result = await runCheck(db, `
checks:
  - id: ghost
    kind: row_count
    old: { source: app, table: users_legacy }
    new: { source: app, table: no_such_table }
`);
    expect(result.status).toBe('error');
    expect(result.error).toMatchObject({ code: 'missing_relation', sqlstate: '42P01' });
  });

  it('records the SQL it ran, with identifiers quoted', async () => {
    const result = await runCheck(db, check('{ absolute: 0 }'));
    expect(result.statements.map((s) => s.sql).join('\n')).toMatch(/from "public"\."users_legacy"/);
  });
});

/**
 * Row-level security hides rows from parity's role without an error: by default Postgres filters
 * every read through the table's policies. A check then verifies only the rows it may see and
 * passes over the ones it may not — a table_diff whose differing rows are hidden on both sides, a
 * null_check over a policy that hides the NULL rows. Reads now pin `row_security = off`, under
 * which a query that a policy would filter fails instead (SQLSTATE 42501): "could not verify".
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const ROLE = 'parity_rls_reader';

describe.each(engines)('row-level security on %s', (engine) => {
  let admin: TestDatabase;
  /** The same database as parity's non-superuser role sees it. */
  let reader: TestDatabase;
  beforeAll(async () => {
    admin = await createTestDatabase(engine);
    await admin.exec(`
      do $$ begin if not exists (select from pg_roles where rolname = '${ROLE}') then create role ${ROLE} login; end if; end $$;
      create table old_t (id int primary key, v text, tenant text);
      create table new_t (id int primary key, v text, tenant text);
      insert into old_t select g, 'v' || g, case when g % 2 = 0 then 'visible' else 'hidden' end from generate_series(1, 20) g;
      insert into new_t select g, case when g % 2 = 0 then 'v' || g else 'WRONG' end, case when g % 2 = 0 then 'visible' else 'hidden' end from generate_series(1, 20) g;
      create table filled (id int primary key, x int, tenant text);
      insert into filled select g, case when g % 2 = 0 then g end, case when g % 2 = 0 then 'visible' else 'hidden' end from generate_series(1, 20) g;
      alter table old_t enable row level security;
      alter table new_t enable row level security;
      alter table filled enable row level security;
      create policy only_visible on old_t using (tenant = 'visible');
      create policy only_visible on new_t using (tenant = 'visible');
      create policy only_odd on filled using (x is not null);
      grant select on old_t, new_t, filled to ${ROLE};
    `);
    if (engine === 'postgres') {
      const url = new URL(admin.url);
      url.username = ROLE;
      reader = { ...admin, url: url.toString() };
    } else {
      // PGlite has one session: parity's reads run as whatever role it is set to.
      await admin.exec(`set role ${ROLE}`);
      reader = admin;
    }
  });
  afterAll(async () => {
    if (engine === 'pglite') await admin.exec('reset role');
    await admin.close();
  });

  it('the policies really hide rows from the role (the trap is armed)', async () => {
    if (engine === 'pglite') {
      expect(await admin.exec('select count(*)::int as n from old_t')).toEqual([{ n: 10 }]);
      return;
    }
    const client = postgres(reader.url, { max: 1, onnotice: () => {} });
    try {
      expect([...await client`select count(*)::int as n from old_t`]).toEqual([{ n: 10 }]);
    } finally {
      await client.end();
    }
  });

  it('table_diff over rows a policy hides is an error, not a pass', async () => {
    const result = await runCheck(reader, `checks:
  - { id: diff, kind: table_diff, key: [id], old: { source: app, table: old_t }, new: { source: app, table: new_t } }
`);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('permission_denied');
    expect(result.error?.message).toMatch(/row-level security/);
  });

  it('column_parity, null_check, row_count and sql_assert over a policy are errors, not passes', async () => {
    const checks = {
      parity: '{ id: parity, kind: column_parity, source: app, key: [id], old: { table: old_t, expr: v }, new: { table: new_t, expr: v } }',
      nulls: '{ id: nulls, kind: null_check, source: app, table: filled, columns: [x] }',
      counts: '{ id: counts, kind: row_count, old: { source: app, table: filled }, new: { source: app, table: old_t } }',
      assert: `{ id: assert, kind: sql_assert, source: app, query: "select id from filled where x is null" }`,
    };
    for (const [id, check] of Object.entries(checks)) {
      const result = await runCheck(reader, `checks:\n  - ${check}\n`);
      expect([id, result.status, result.error?.code]).toEqual([id, 'error', 'permission_denied']);
    }
  });
});

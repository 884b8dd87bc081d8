/**
 * A check whose old and new side read the same thing compares something with itself: it can never
 * fail. Before the fix every check below loaded, and on a table whose new columns were all wrong
 * (first_name 'x', last_name NULL) each passed: a row_count of users against users, a
 * column_parity of full_name against users.full_name (and its join form), a table_diff of users
 * against users through a second source with the same URL, and a shadow_read whose two queries
 * differ only in case and spacing. The careless version is a copy-paste: `new:` left as the old
 * side. They are now load problems at the `new:` key; checks whose sides differ in any way that
 * reaches the SQL still load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

const SOURCES = `sources:
  app: { url: "postgres://parity@db.internal/app" }
  app_again: { url: "postgres://parity@db.internal:5432/app?sslmode=require" }
  other: { url: "postgres://parity@db2.internal/app" }
`;

/** The problems a check file gives (loaded through both stages); [] when it loads. */
function problemsOf(checks: string): string[] {
  const parsed = parseCheckFile(`${SOURCES}checks:\n${checks}`, 'x.yaml', {}, { osUser: 'osuser' });
  if (Array.isArray(parsed)) return parsed.map(formatProblem);
  const catalog = buildCatalog([parsed]);
  return Array.isArray(catalog) ? catalog.map(formatProblem) : [];
}

const SELF = /: checks\[0\]\.new: old and new read the same .*can never fail/;

const SELF_COMPARISONS: Record<string, string> = {
  'row_count of a table against itself': `
  - id: c
    kind: row_count
    old: { source: app, table: users, where: "deleted_at is null" }
    new: { source: app, table: USERS, where: "deleted_at  IS NULL" }`,
  'row_count through two sources that resolve to one target': `
  - id: c
    kind: row_count
    old: { source: app, table: public.users }
    new: { source: app_again, table: public.users }`,
  'column_parity of a column against itself': `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "(FULL_NAME)"`,
  'column_parity join form over one table and one expression': `
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: "first_name || ' ' || last_name", where: "id > 0" }
    new: { table: users, expr: "first_name||' '||last_name", where: "id>0" }`,
  'table_diff of a table against itself through a second source': `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: app_again, table: users }`,
  'table_diff whose columns map each column to itself': `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: app, table: users }
    columns: { full_name: full_name, email: '"email"' }`,
  'shadow_read whose two queries differ in case and spacing': `
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: app, table: users } }
    old: { source: app, query: "select id, full_name from users where id = any($keys)" }
    new: { source: app_again, query: "SELECT id, full_name FROM users WHERE id = ANY ($keys)" }
    max_mismatch_rate: 0.01`,
  'shadow_read reading one endpoint twice': `
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: app, table: users, side: old } }
    old: { http: "https://users.internal/v1/users/{id}", headers: { accept-language: en } }
    new: { http: "https://users.internal/v1/users/{id}", headers: { accept-language: en }, timeout: 9s }
    max_mismatch_rate: 0.01`,
};

const DIFFERENT_SIDES: Record<string, string> = {
  'row_count of one table under two filters': `
  - id: c
    kind: row_count
    old: { source: app, table: users, where: "legacy" }
    new: { source: app, table: users, where: "not legacy" }`,
  'row_count of one table name on two servers': `
  - id: c
    kind: row_count
    old: { source: app, table: users }
    new: { source: other, table: users }`,
  'row_count of a qualified and an unqualified name (the search_path decides)': `
  - id: c
    kind: row_count
    old: { source: app, table: legacy.users }
    new: { source: app, table: users }`,
  'column_parity of two expressions': `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"`,
  'column_parity of a quoted and an unquoted name (two columns)': `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: '"FullName"'
    new: fullname`,
  'table_diff of one table on two servers': `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: other, table: users }`,
  'table_diff mapping a column to another expression': `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: app, table: users }
    columns: { full_name: "first_name || ' ' || last_name" }`,
  'shadow_read whose queries differ in one literal': `
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: app, table: users } }
    old: { source: app, query: "select id, full_name from users where id = any($keys) and v = 1" }
    new: { source: app, query: "select id, full_name from users where id = any($keys) and v = 2" }
    max_mismatch_rate: 0.01`,
  'shadow_read of one endpoint with a header that picks the path': `
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: app, table: users, side: old } }
    old: { http: "https://users.internal/v1/users/{id}", headers: { x-read-path: old } }
    new: { http: "https://users.internal/v1/users/{id}", headers: { x-read-path: new } }
    max_mismatch_rate: 0.01`,
};

describe('a check comparing something with itself', () => {
  for (const [name, check] of Object.entries(SELF_COMPARISONS)) {
    it(`is a load problem at new: ${name}`, () => {
      expect(problemsOf(check)).toEqual([expect.stringMatching(SELF)]);
    });
  }
  for (const [name, check] of Object.entries(DIFFERENT_SIDES)) {
    it(`still loads: ${name}`, () => {
      expect(problemsOf(check)).toEqual([]);
    });
  }
});

describe.each(engines)('what the self-comparisons hid, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, full_name text not null, first_name text, last_name text);
      insert into users select g, 'Ada Lovelace', 'x', null from generate_series(1, 50) g;
    `);
  });
  afterAll(() => db?.close());

  it('the comparison of the new columns with the old one fails; the same check with new: full_name does not load', async () => {
    const check = (expression: string) => `checks:
  - id: names
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "${expression}"
`;
    const catalog = catalogFromYaml(check("first_name || ' ' || last_name"), { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      expect((await execute(catalog.checks.get('names')!, registry)).status).toBe('fail');
    } finally {
      await registry.closeAll();
    }
    expect(() => catalogFromYaml(check('full_name'), { app: db })).toThrow(/old and new read the same/);
    expect(() => catalogFromYaml(`checks:
  - { id: t, kind: table_diff, key: [id], old: { source: app, table: users }, new: { source: again, table: users } }
`, { app: db, again: db })).toThrow(/old and new read the same/);
  });
});

/**
 * Operator SQL can never make parity write, leak server files or act outside the snapshot: every
 * expression and query in a check file is judged by the real PostgreSQL parser at load time, with
 * file:line:column, in every slot where operator SQL is embedded. The attacks are live ammunition:
 * sent raw to the same database (simple protocol, as the old path did), the multi-statement ones
 * really do write — and through parity they never run at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { SpecProblem } from '../../src/checkfile/problems.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** Strings that escaped the old hand-written lint: each carries a second statement that writes. */
const SMUGGLED_STATEMENTS = [
  // `$$` inside an identifier is not a dollar quote to Postgres.
  "select 1 as a$$$; commit; begin read write; create table pwned (x int); insert into pwned values (1); commit; select 1 as b$$",
  // name'\' (like date'\') is a complete literal with standard_conforming_strings; the lint saw an E-string still open.
  "select name'\\' as d; commit; begin read write; create table pwned (x int); commit; select '\\'",
  "select 1; create table pwned (x int)",
  "select 1 /* nested /* comment */ */; create table pwned (x int)",
  "select U&\"a\" from (select 1 as a) t; create table pwned (x int)",
];

/** Single statements that act outside the snapshot or the database (a class each; the deny list has them all). */
const OUTSIDE_THE_SNAPSHOT = [
  "select pg_read_file('/etc/passwd')",
  "select * from pg_catalog.pg_read_file('postgresql.conf')",
  "select 1 where pg_notify('c', 'x') is not null",
  "select pg_advisory_lock(42)",
  "select set_config('default_transaction_read_only', 'off', false)",
  "select nextval('s')",
  "select x from (select 1 as x) t where exists (select dblink_exec('host=127.0.0.1', 'drop table users'))",
  "select query_to_xml('delete from users returning 1', true, true, '')",
  "select lo_import('/etc/passwd')",
  "select pg_terminate_backend(1)",
  "with d as (delete from users returning id) select id from d",
  "select * from users for update",
  "select * into pwned from users",
  "select ('/etc/passwd'::text).pg_read_file",
];

/** Where operator SQL goes in a check file: a template with the SQL in one slot, and the slot's key path. */
const SLOTS: { name: string; yaml: (sqlText: string) => string; path: string; expression: boolean }[] = [
  { name: 'sql_assert query', path: 'checks[0].query', expression: false, yaml: (q) => `  - id: c\n    kind: sql_assert\n    source: app\n    query: ${JSON.stringify(q)}\n` },
  { name: 'null_check where', path: 'checks[0].where', expression: true, yaml: (q) => `  - id: c\n    kind: null_check\n    source: app\n    table: users\n    columns: [name]\n    where: ${JSON.stringify(q)}\n` },
  { name: 'row_count where', path: 'checks[0].old.where', expression: true, yaml: (q) => `  - id: c\n    kind: row_count\n    old: { source: app, table: users, where: ${JSON.stringify(q)} }\n    new: { source: app, table: users }\n` },
  { name: 'column_parity new', path: 'checks[0].new', expression: true, yaml: (q) => `  - id: c\n    kind: column_parity\n    source: app\n    table: users\n    key: [id]\n    old: name\n    new: ${JSON.stringify(q)}\n` },
];

const HEADER = 'sources:\n  app: { url: "embedded:app" }\nchecks:\n';

function problemsFor(yaml: string): SpecProblem[] {
  const parsed = parseCheckFile(HEADER + yaml, 'attack.yaml', {});
  return Array.isArray(parsed) ? parsed : [];
}

/** The statement escaping an expression's parentheses: `1) is null; <attack>; select (1`. */
const breakingOut = (attack: string) => `1) is null; ${attack}; select (1`;
/** A single statement embedded as a scalar subquery. */
const asSubquery = (attack: string) => `(${attack}) is not null`;

describe('operator SQL is refused at load time, as a class', () => {
  for (const slot of SLOTS) {
    it(`refuses every smuggled statement and outside-the-snapshot call in ${slot.name}`, () => {
      const attacks = slot.expression
        ? [...SMUGGLED_STATEMENTS.map(breakingOut), ...OUTSIDE_THE_SNAPSHOT.map(breakingOut), ...OUTSIDE_THE_SNAPSHOT.map(asSubquery)]
        : [...SMUGGLED_STATEMENTS, ...OUTSIDE_THE_SNAPSHOT];
      for (const attack of attacks) {
        const problems = problemsFor(slot.yaml(attack));
        expect(problems.length, `${slot.name} accepted: ${attack}`).toBeGreaterThan(0);
        expect(problems.some((p) => p.path === slot.path && p.file === 'attack.yaml' && p.line > 0 && p.column > 0), attack).toBe(true);
      }
    });
  }

  it('points at the offending call: file, line and the column of the function name', () => {
    const yaml = `  - id: c\n    kind: null_check\n    source: app\n    table: users\n    columns: [name]\n    where: "name <> 'é' and pg_read_file('x') is not null"\n`;
    const [problem] = problemsFor(yaml);
    const line = (HEADER + yaml).split('\n').findIndex((l) => l.includes('pg_read_file')) + 1;
    const column = (HEADER + yaml).split('\n')[line - 1]!.indexOf('pg_read_file') + 1;
    expect(problem).toMatchObject({ file: 'attack.yaml', line, column, path: 'checks[0].where' });
    expect(problem?.message).toMatch(/pg_read_file \(reads server files/);
  });

  it('points into a block scalar line by line', () => {
    const yaml = `  - id: c\n    kind: sql_assert\n    source: app\n    query: |\n      select id\n        from users\n       where nextval('s') > 0\n`;
    const [problem] = problemsFor(yaml);
    const lines = (HEADER + yaml).split('\n');
    const line = lines.findIndex((l) => l.includes('nextval')) + 1;
    expect(problem).toMatchObject({ line, column: lines[line - 1]!.indexOf('nextval') + 1 });
  });

  it('still accepts the expressions and queries checks are made of', () => {
    const fine = [
      "first_name || ' ' || last_name", "status = 'active'", 'coalesce(a, b)', 'amount_cents::numeric / 100', 'lower(email)',
      "created_at > now() - interval '1 day'", "id in (select id from t where x)", "case when a then 'x' else 'y' end", "a->>'k'",
      "note <> 'a;b -- c' and $$x;y$$ <> ''", '"Odd ""Name""" is not null',
    ];
    // row_count's where: a null_check's where is also held to its scope rule (a subquery there is refused).
    for (const expression of fine) expect(problemsFor(SLOTS[2]!.yaml(expression)), expression).toEqual([]);
    expect(problemsFor(SLOTS[0]!.yaml('select id from users where name is null; -- trailing'))).toEqual([]);
  });
});

describe.each(engines)('the smuggled statements are live ammunition on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec("create table users (id int primary key, name text); insert into users select g, 'n' || g from generate_series(1, 20) g; create sequence s;");
  });
  afterAll(() => db.close());

  const tables = async () => Number((await db.exec("select count(*)::int as n from pg_class where relname = 'pwned'"))[0]?.n);

  it('each writes when sent raw, and parity refuses to load it, so nothing runs', async () => {
    for (const attack of SMUGGLED_STATEMENTS) {
      // The test client manages its own transactions; the writes themselves are what matters.
      await db.exec(attack.replace(/\b(commit|begin read write);/g, ''));
      expect(await tables(), attack).toBe(1);
      await db.exec('drop table pwned');
      await expect(runCheck(db, `checks:\n${SLOTS[0]!.yaml(attack)}`), attack).rejects.toThrow(/attack|test\.yaml:\d+:\d+/);
      expect(await tables()).toBe(0);
    }
    expect(Number((await db.exec('select count(*)::int as n from users'))[0]?.n)).toBe(20);
  });
});

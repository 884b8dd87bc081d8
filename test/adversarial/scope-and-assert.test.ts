/**
 * Issue 12 §3: vacuous passes over empty scopes, sql_assert values that matched by coincidence of
 * text, and numeric knobs that made a check accept anything. Every case here passed (or loaded)
 * before the fix and must now be an error, a fail, or a load problem at file:line:column.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { SpecProblem } from '../../src/checkfile/problems.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';

describe.each(engines)('empty scopes on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users_legacy (id int primary key, status text not null);
      create table users (id int primary key, status text not null, email text);
      create table users_archive (id int primary key, status text);
      insert into users_legacy select g, 'active' from generate_series(1, 20) g;
      insert into users select g, 'active', 'u' || g from generate_series(1, 20) g;
      create table orders (id int primary key, status text not null);
      insert into orders select g, 'pending' from generate_series(1, 5) g;
    `);
  });
  afterAll(() => db.close());

  const rowCount = (where: string, extra = '') => `
checks:
  - id: rc
    kind: row_count
    old: { source: app, table: users_legacy, where: "${where}" }
    new: { source: app, table: users, where: "${where}" }
${extra}`;

  it('row_count: a where that matches nothing on both sides (0 = 0) is an error, not a pass', async () => {
    const result = await runCheck(db, rowCount("status = 'actve'"));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('scope_too_small');
    expect(result.summary).toMatch(/^could not verify: scope_too_small: 0 old rows in users_legacy where status = 'actve' on source "app", fewer than min_rows 1/);
    expect(result.observations).toMatchObject({ old_rows: 0, new_rows: 0 });
  });

  it('row_count: a side below min_rows is an error, whichever side it is', async () => {
    const result = await runCheck(db, `
checks:
  - id: rc
    kind: row_count
    old: { source: app, table: users_legacy }
    new: { source: app, table: users_archive }
    tolerance: { relative: 0.99 }
`);
    expect(result.status).toBe('error');
    expect(result.summary).toContain('0 new rows in users_archive on source "app"');
    const big = await runCheck(db, rowCount("status = 'active'", '    min_rows: 21'));
    expect(big.status).toBe('error');
    expect(big.summary).toContain('fewer than min_rows 21');
  });

  it('row_count: min_rows applies to estimates too', async () => {
    await db.exec('analyze users_archive; analyze users');
    const result = await runCheck(db, `
checks:
  - id: rc
    kind: row_count
    old: { source: app, table: users_archive }
    new: { source: app, table: users }
    estimate: true
    tolerance: { relative: 0.5 }
`);
    expect(result.status).toBe('error');
  });

  it('row_count: min_rows: 0 opts out explicitly, and a real scope still passes', async () => {
    expect((await runCheck(db, rowCount("status = 'actve'", '    min_rows: 0'))).status).toBe('pass');
    expect((await runCheck(db, rowCount("status = 'active'"))).status).toBe('pass');
  });

  it('null_check: a where that matches nothing is an error, not "all 0 rows filled"', async () => {
    const check = (extra = '') => `
checks:
  - id: nc
    kind: null_check
    source: app
    table: users
    columns: [email]
    where: "status = 'actve'"
${extra}`;
    const result = await runCheck(db, check());
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('scope_too_small');
    expect(result.observations).toMatchObject({ rows: 0 });
    expect((await runCheck(db, check('    min_rows: 0'))).status).toBe('pass');
    expect((await runCheck(db, check('    min_rows: 21').replace("'actve'", "'active'"))).status).toBe('error');
  });

  it('sql_assert: a declared scope that matches nothing is an error; a real one passes and is reported', async () => {
    const check = (status: string) => `
checks:
  - id: sa
    kind: sql_assert
    source: app
    query: "select id from orders where status = '${status}' and id > 100"
    scope: { table: orders, where: "status = '${status}'" }
`;
    const typo = await runCheck(db, check('pendng'));
    expect(typo.status).toBe('error');
    expect(typo.error?.code).toBe('scope_too_small');
    const real = await runCheck(db, check('pending'));
    expect(real.status).toBe('pass');
    expect(real.observations.scope_rows).toBe(5);
  });
});

/** Runs every check in the YAML with one registry; returns status by check id. */
async function runAll(db: TestDatabase, yaml: string): Promise<Record<string, { status: string; summary: string }>> {
  const catalog = catalogFromYaml(yaml, { app: db });
  const registry = registryForCatalog(catalog, { app: db });
  try {
    const out: Record<string, { status: string; summary: string }> = {};
    for (const [id, check] of catalog.checks) {
      const result = await execute(check, registry);
      out[id] = { status: result.status, summary: result.summary };
    }
    return out;
  } finally {
    await registry.closeAll();
  }
}

// Each query is read through a catalog table, so its answer is not fixed by its shape (a constant
// query is refused at load: never-fails-folded.test.ts); pg_catalog's oid is 11 on every server.
const valueCheck = (id: string, query: string, value: string) => `
  - id: ${id}
    kind: sql_assert
    source: app
    query: ${JSON.stringify(`select * from (${query}) q where not exists (select 1 from pg_namespace where nspname = 'parity_never')`)}
    expect: { value: ${value} }
`;

describe.each(engines)('sql_assert expected values on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  const cases: [string, string, string, 'pass' | 'fail'][] = [
    ['bool-vs-text', "select 'true'::text", 'true', 'fail'],
    ['text-vs-bool', 'select true', '"true"', 'fail'],
    ['number-vs-text', "select '1'::text", '1', 'fail'],
    ['text-vs-number', 'select 1', '"1"', 'fail'],
    ['jsonb-vs-object-text', `select '{"a":1}'::jsonb`, '"[object Object]"', 'fail'],
    ['jsonb-other-object', `select '{"a":2}'::jsonb`, '{ a: 1 }', 'fail'],
    ['jsonb-deep-equal', `select '{"b":[1,2],"a":1.0}'::jsonb`, '{ a: 1, b: [1, 2] }', 'pass'],
    ['jsonb-number', `select '1.0'::jsonb`, '1', 'pass'],
    ['jsonb-string-vs-number', `select '"1"'::jsonb`, '1', 'fail'],
    ['jsonb-boolean', `select 'true'::jsonb`, 'true', 'pass'],
    ['jsonb-string-vs-boolean', `select '"true"'::jsonb`, 'true', 'fail'],
    ['json-duplicate-keys', `select '{"a":1,"a":2}'::json`, '{ a: 2 }', 'pass'],
    ['bigint-beyond-2-53', 'select 9007199254740992::bigint', '9007199254740993', 'fail'],
    ['bigint-exact', 'select 9007199254740993::bigint', '9007199254740993', 'pass'],
    ['numeric-one-point-oh', 'select 1.0::numeric', '1', 'pass'],
    ['numeric-digits', 'select 12345678901234567890.5::numeric', '12345678901234567890', 'fail'],
    ['float-sum', 'select 0.1::float8 + 0.2::float8', '0.3', 'fail'],
    ['float-nan', "select 'NaN'::float8", '"NaN"', 'fail'],
    ['null-vs-null', 'select null::int', 'null', 'pass'],
    ['null-vs-empty', 'select null::text', '""', 'fail'],
    ['null-vs-text-null', "select 'null'::text", 'null', 'fail'],
    ['empty-vs-null', "select ''::text", 'null', 'fail'],
    ['json-null-vs-null', "select 'null'::jsonb", 'null', 'fail'],
    ['timestamptz-instant', "select '2024-01-01 00:00:00+00'::timestamptz", '"2024-01-01T02:00:00+02:00"', 'pass'],
    ['timestamptz-other-instant', "select '2024-01-01 00:00:00+00'::timestamptz", '"2024-01-01T00:00:00+02:00"', 'fail'],
    ['timestamptz-vs-number', "select '2024-01-01 00:00:00+00'::timestamptz", '2024', 'fail'],
    ['uuid-case', "select 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", '"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"', 'pass'],
    ['array-text', 'select array[1,2]', '"{1,2}"', 'pass'],
    ['array-vs-list', 'select array[1,2]', '[1, 2]', 'fail'],
    ['two-rows', 'select 1 union all select 1', '1', 'fail'],
  ];

  it('compares by type and exactly, never by coincidence of text', async () => {
    const results = await runAll(db, `checks:\n${cases.map(([id, query, value]) => valueCheck(id, query, value)).join('')}`);
    const statuses = Object.fromEntries(cases.map(([id]) => [id, results[id]?.status]));
    expect(statuses).toEqual(Object.fromEntries(cases.map(([id, , , want]) => [id, want])));
    expect(results['bool-vs-text']?.summary).toMatch(/type mismatch: expected a boolean \(true\), but the query's first column is text/);
  });

  // Any value written into the database equals itself, and no different value equals it.
  const typed = [
    { type: 'bigint', arb: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), yaml: (v: bigint) => String(v), other: (v: bigint) => String(v === 0n ? 1n : -v) },
    { type: 'numeric', arb: fc.tuple(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), fc.integer({ min: 0, max: 10 })).map(([m, s]) => decimal(m, s)), yaml: (v: string) => v, other: (v: string) => decimal(BigInt(v.replace('.', '')) + 1n, v.includes('.') ? v.length - v.indexOf('.') - 1 : 0) },
    { type: 'double precision', arb: fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)), yaml: (v: number) => String(v), other: (v: number) => String(v === 0 ? 1 : -v) },
    { type: 'boolean', arb: fc.boolean(), yaml: (v: boolean) => String(v), other: (v: boolean) => String(!v) },
    { type: 'text', arb: fc.string({ unit: fc.constantFrom('a', 'Z', 'é', '😀', ' ', '"', "'", '\\', '\n', '\t', 'true', '1', '{}', 'null'), maxLength: 8 }), yaml: (v: string) => JSON.stringify(v), other: (v: string) => JSON.stringify(`${v}x`) },
    { type: 'jsonb', arb: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v).replaceAll('\\u0000', '')) as unknown).filter((v) => v !== null && typeof v === 'object'), yaml: (v: unknown) => JSON.stringify(v), other: (v: unknown) => JSON.stringify(Array.isArray(v) ? [...v, 1] : { ...(v as object), zz_other: 1 }) },
    { type: 'timestamp with time zone', arb: fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), yaml: (v: Date) => JSON.stringify(v.toISOString()), other: (v: Date) => JSON.stringify(new Date(v.getTime() + 1).toISOString()) },
  ] as const;

  it.each(typed.map((t) => [t.type, t] as const))('round-trips random %s values: equal passes, different fails', async (type, t) => {
    const values = fc.sample(t.arb as fc.Arbitrary<unknown>, { numRuns: 12, seed: 12 });
    await db.exec(`drop table if exists vals; create table vals (id int primary key, v ${type})`);
    for (const [i, v] of values.entries()) {
      const literal = typeof v === 'object' && !(v instanceof Date) ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : String(v);
      await db.exec(`insert into vals values ($1, $2::text::${type})`, [i, literal]);
    }
    const yamlOf = t.yaml as (v: unknown) => string;
    const otherOf = t.other as (v: unknown) => string;
    const checks = values.flatMap((v, i) => [
      valueCheck(`same-${i}`, `select v from vals where id = ${i}`, yamlOf(v)),
      valueCheck(`other-${i}`, `select v from vals where id = ${i}`, otherOf(v)),
    ]);
    const results = await runAll(db, `checks:\n${checks.join('')}`);
    values.forEach((v, i) => {
      expect({ v, status: results[`same-${i}`]?.status, summary: results[`same-${i}`]?.summary }).toMatchObject({ status: 'pass' });
      expect({ v, status: results[`other-${i}`]?.status }).toMatchObject({ status: 'fail' });
    });
  });
});

function decimal(mantissa: bigint, scale: number): string {
  if (scale === 0) return String(mantissa);
  const sign = mantissa < 0n ? '-' : '';
  const digits = String(mantissa < 0n ? -mantissa : mantissa).padStart(scale + 1, '0');
  return `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const SOURCES = 'sources:\n  app: { url: "postgres://u@h/db" }\n';

function problemsOf(text: string): SpecProblem[] {
  const result = parseCheckFile(text, 'checks/x.yaml', {});
  return Array.isArray(result) ? result : [];
}

/** The one problem of a file, as `line:column path: message`. */
function onlyProblem(text: string): string {
  const problems = problemsOf(text);
  expect(problems).toHaveLength(1);
  const [p] = problems;
  return `${p!.line}:${p!.column} ${p!.path}: ${p!.message}`;
}

describe('numeric knobs are refused at load, at file:line:column', () => {
  const rowCount = (extra: string) => `${SOURCES}checks:
  - id: rc
    kind: row_count
    old: { source: app, table: a }
    new: { source: app, table: b }
${extra}`;

  it('refuses a relative tolerance of 100% or more, or below 0', () => {
    expect(onlyProblem(rowCount('    tolerance: { relative: 1 }'))).toMatch(/^8:28 checks\[0\]\.tolerance\.relative: must be below 1/);
    expect(onlyProblem(rowCount('    tolerance: { relative: 2.5 }'))).toMatch(/^8:28 checks\[0\]\.tolerance\.relative: must be below 1/);
    expect(onlyProblem(rowCount('    tolerance: { relative: -0.1 }'))).toMatch(/^8:28 checks\[0\]\.tolerance\.relative: must be at least 0/);
    expect(problemsOf(rowCount('    tolerance: { relative: 0.999 }'))).toEqual([]);
  });

  it('refuses NaN and infinities anywhere', () => {
    expect(onlyProblem(rowCount('    tolerance: { relative: .nan }'))).toBe('8:28 checks[0].tolerance.relative: .nan is not a finite number');
    expect(onlyProblem(rowCount('    tolerance: { absolute: .inf }'))).toBe('8:28 checks[0].tolerance.absolute: .inf is not a finite number');
    expect(onlyProblem(rowCount('    min_rows: 1e999'))).toBe('8:15 checks[0].min_rows: 1e999 is not a finite number');
  });

  it('refuses negative or fractional min_rows', () => {
    expect(onlyProblem(rowCount('    min_rows: -1'))).toMatch(/^8:15 checks\[0\]\.min_rows: /);
    expect(onlyProblem(rowCount('    min_rows: 0.5'))).toMatch(/^8:15 checks\[0\]\.min_rows: /);
  });

  const nullCheck = (extra: string) => `${SOURCES}checks:
  - id: nc
    kind: null_check
    source: app
    table: t
    columns: [c]
${extra}`;

  it('refuses max_null_ratio of 1 and negative max_nulls', () => {
    expect(onlyProblem(nullCheck('    max_null_ratio: 1'))).toMatch(/^9:21 checks\[0\]\.max_null_ratio: must be below 1/);
    expect(onlyProblem(nullCheck('    max_nulls: -1'))).toMatch(/^9:16 checks\[0\]\.max_nulls: /);
  });

  const sqlAssert = (extra: string) => `${SOURCES}checks:
  - id: sa
    kind: sql_assert
    source: app
    query: select id from t
${extra}`;

  it('refuses a number the YAML parser cannot hold exactly, pointing at it', () => {
    expect(onlyProblem(sqlAssert('    expect: { value: 0.10000000000000000001 }'))).toBe(
      '8:22 checks[0].expect.value: the number 0.10000000000000000001 cannot be held exactly (it would be read as 0.1); write at most 15 significant digits');
    expect(onlyProblem(sqlAssert('    expect: { value: { a: [1, 9007199254740993.5] } }'))).toMatch(/^8:31 checks\[0\]\.expect\.value\.a\[1\]: the number 9007199254740993.5 cannot be held exactly/);
  });

  it('refuses integers beyond 2^53 for every knob but an expected value', () => {
    expect(onlyProblem(sqlAssert('    expect: { rows: 9007199254740993 }'))).toMatch(/^8:21 checks\[0\]\.expect\.rows: .*9007199254740993, which is too large to be held exactly/);
    expect(onlyProblem(nullCheck('    max_nulls: 9007199254740993'))).toMatch(/^9:16 checks\[0\]\.max_nulls: .*too large to be held exactly/);
    expect(problemsOf(sqlAssert('    expect: { value: 9007199254740993 }'))).toEqual([]);
  });

  it('refuses expect min_rows: 0, which accepts any result', () => {
    expect(onlyProblem(sqlAssert('    expect: { min_rows: 0 }'))).toMatch(/^8:25 checks\[0\]\.expect\.min_rows: must be at least 1/);
  });

  it('refuses a scope with a negative min_rows', () => {
    expect(onlyProblem(sqlAssert('    scope: { table: t, min_rows: -2 }'))).toMatch(/^8:34 checks\[0\]\.scope\.min_rows: /);
  });

  it('refuses timeouts Postgres would read as "no limit"', () => {
    expect(onlyProblem(sqlAssert('    timeout: 0'))).toMatch(/^8:14 checks\[0\]\.timeout: must be a whole number of milliseconds from 1ms to 24d/);
    expect(onlyProblem(sqlAssert('    timeout: 0.4'))).toMatch(/^8:14 checks\[0\]\.timeout: /);
    expect(onlyProblem(sqlAssert('    timeout: 30d'))).toMatch(/^8:14 checks\[0\]\.timeout: /);
    expect(onlyProblem('sources:\n  app:\n    url: postgres://u@h/db\n    lock_timeout: 0s\n')).toMatch(/^4:19 sources\.app\.lock_timeout: must be a whole number/);
    expect(onlyProblem('sources:\n  app:\n    url: postgres://u@h/db\n    statement_timeout: 0\n')).toMatch(/^4:24 sources\.app\.statement_timeout: must be a whole number/);
  });
});

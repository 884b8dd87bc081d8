import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('column_parity on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, full_name text, first_name text, last_name text, amount numeric, amount_cents bigint);
      insert into users select g, 'Ann Lee', 'Ann', 'Lee', g / 100.0, g from generate_series(1, 300) g;
      update users set full_name = '  Ann   Lee ' where id = 5;              -- messy but equal after normalisation
      update users set last_name = 'Le' where id = 42;                       -- real drift
      update users set full_name = null, first_name = null, last_name = null where id = 7;   -- NULL on both sides: equal
      update users set full_name = null where id = 8;                         -- NULL on one side: drift
      update users set amount = 1.005, amount_cents = 100 where id = 9;       -- equal at scale 2? no: 1.01 vs 1.00
      create table users_legacy (id int primary key, full_name text);
      insert into users_legacy select id, full_name from users where id <> 300;
      insert into users_legacy values (999, 'Ghost Row');
    `);
  });
  afterAll(() => db.close());

  const sameTable = (normalize: string, extra = '') => `
checks:
  - id: name-parity
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    normalize: ${normalize}
${extra}`;

  it('fails with the exact offending keys and both values', async () => {
    const result = await runCheck(db, sameTable('[trim, collapse_whitespace]'));
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows: 300, mismatches: 2 });
    const byKey = Object.fromEntries(result.samples.map((s) => [s.key.id, s]));
    expect(Object.keys(byKey).sort()).toEqual(['42', '8']);
    expect(byKey['42']).toMatchObject({ category: 'mismatch', old: 'Ann Lee', new: 'Ann Le' });
    expect(byKey['8']).toMatchObject({ old: null, new: 'Ann Lee' });
  });

  it('treats padded whitespace as drift without normalisation', async () => {
    const result = await runCheck(db, sameTable('[]'));
    expect(result.samples.map((s) => s.key.id).sort()).toEqual(['42', '5', '8']);
  });

  it('passes within max_mismatches', async () => {
    expect((await runCheck(db, sameTable('[trim, collapse_whitespace]', '    max_mismatches: 2'))).status).toBe('pass');
  });

  it('compares numerics at a scale', async () => {
    const result = await runCheck(db, `
checks:
  - id: amount-parity
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: amount
    new: amount_cents / 100.0
    normalize: [{ numeric_scale: 2 }]
`);
    expect(result.samples.map((s) => s.key)).toEqual([{ id: '9' }]);
    expect(result.samples[0]).toMatchObject({ old: '1.005', new: '1.00000000000000000000' });
  });

  it('join form reports mismatches and keys missing on either side', async () => {
    const result = await runCheck(db, `
checks:
  - id: legacy-parity
    kind: column_parity
    source: app
    key: [id]
    old: { table: users_legacy, expr: full_name }
    new: { table: users, expr: "first_name || ' ' || last_name" }
    normalize: [trim, collapse_whitespace]
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ value_mismatches: 2, missing_in_new: 1, missing_in_old: 1, mismatches: 4 });
    const categories = Object.fromEntries(result.samples.map((s) => [s.key.id, s.category]));
    expect(categories).toEqual({ '42': 'mismatch', '8': 'mismatch', '999': 'missing_in_new', '300': 'missing_in_old' });
  });

  it('limits samples to the configured size', async () => {
    const result = await runCheck(db, sameTable('[]', '    sample: 1'));
    expect(result.samples).toHaveLength(1);
    expect(result.observations.mismatches).toBe(3);
  });

  it('reports a type mismatch between old and new as error', async () => {
    const result = await runCheck(db, sameTable('[]').replace("\"first_name || ' ' || last_name\"", 'amount'));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('invalid_sql');
  });
});

describe('column_parity planning', () => {
  it('compares values exactly: a per-statement type probe picks = by value, as decimals or text under COLLATE "C"', async () => {
    const { compile } = await import('../../src/sql/build.js');
    const { planSameTableCounts, columnParitySchema, formOf } = await import('../../src/kinds/column-parity.js');
    const spec = columnParitySchema.parse({ id: 'p', kind: 'column_parity', source: 'a', table: 'users', key: ['id'], old: 'a', new: 'b' });
    const form = formOf(spec);
    if (form.form !== 'same_table') throw new Error('expected the same-table form');
    const mismatches = planSameTableCounts(spec, form).counts.mismatches;
    const { text, params } = compile(mismatches as Exclude<typeof mismatches, true>);
    expect(text).toMatch(/pg_typeof\(\(select \(a\) from "users" limit 0\)\)/);
    expect(text).toMatch(/when 0 then \(a\) is distinct from \(b\)\s+when 1 then \(\(\(\(a\)\)::text collate "C"\)\)::numeric is distinct from/);
    // One array_position per side and per side's base type, no CASE of `= any` arms (JIT compiled each of those).
    expect(text.match(/array_position/g)).toHaveLength(4);
    expect(text).not.toMatch(/= any\(/);
    expect(text).toMatch(/else \(\(\(a\)\)::text collate "C"\) is distinct from \(\(\(b\)\)::text collate "C"\) end/);
    expect(params.some((p) => typeof p === 'string' && p.includes('"timestamp with time zone"'))).toBe(true);
    expect(spec.min_rows).toBe(1);
  });
});

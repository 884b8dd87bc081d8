import { readsRows } from '../../support/statement-kinds.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, sql } from '../../../src/sql/build.js';
import { keyTextOf, planFingerprint, type DiffSide } from '../../../src/kinds/table-diff/plan.js';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { catalogFromYaml, runCheck } from '../../support/run-check.js';
import { comparedColumnsOf, diffSidesOf, planFingerprintPass, type TableDiffSpec } from '../../../src/kinds/table-diff/spec.js';
import { planSideTypes } from '../../../src/kinds/table-diff/plan.js';

describe.each(engines)('table_diff on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create schema billing;
      create table payments (id int primary key, amount numeric(12,2), created_at timestamptz, email text, note text);
      insert into payments select g, g * 1.25, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute', 'User' || g || '@Example.com',
        case g % 4 when 0 then null when 1 then '' when 2 then 'a,b' else '("x")' end from generate_series(1, 1500) g;
      create table billing.payments (id bigint primary key, amount_cents bigint, created_at timestamptz, email text, note text);
      insert into billing.payments select id, (amount * 100)::bigint, created_at, lower(email), note from payments;
    `);
  });
  afterAll(() => db.close());

  const check = (extra = '', columns = `{ amount: "amount_cents / 100.0", created_at: created_at, email: "email", note: note }`) => `
checks:
  - id: payments-table-diff
    kind: table_diff
    key: [id]
    old: { source: app, table: public.payments }
    new: { source: app, table: billing.payments }
    columns: ${columns}
    normalize: { email: [lower] }
    sample: 50
${extra}`;

  it('passes when every row matches, comparing numerics by value (12.50 = 12.5000…)', async () => {
    const result = await runCheck(db, check());
    expect(result.error).toBeNull();
    expect(result.status).toBe('pass');
    expect(result.observations).toMatchObject({ old_rows: 1500, new_rows: 1500, mismatches: 0, missing_in_new: 0, missing_in_old: 0, changed: 0 });
    // Zero differences: only bucket summaries crossed the wire, far fewer than the rows.
    expect(result.observations.rows_transferred).toBeLessThan(1500);
  });

  it('finds deleted, inserted and changed rows, per column, with both sides as samples', async () => {
    await db.exec(`
      delete from billing.payments where id in (10, 11);
      insert into billing.payments values (5000, 1, now(), 'x@y', null);
      update billing.payments set note = null where id = 21;          -- '' becomes NULL
      update billing.payments set amount_cents = amount_cents + 1 where id = 700;
    `);
    try {
      const result = await runCheck(db, check());
      expect(result.status).toBe('fail');
      expect(result.observations).toMatchObject({ missing_in_new: 2, missing_in_old: 1, changed: 2, mismatches: 5, changed_by_column: { note: 1, amount: 1 } });
      const byCategory = (c: string) => result.samples.filter((s) => s.category === c).map((s) => s.key.id).sort();
      expect(byCategory('missing_in_new')).toEqual(['10', '11']);
      expect(byCategory('missing_in_old')).toEqual(['5000']);
      expect(byCategory('mismatch')).toEqual(['21', '700']);
      const changed = result.samples.find((s) => s.key.id === '700')!;
      expect(changed.old).toMatchObject({ amount: '875' });
      expect(changed.new).toMatchObject({ amount: '875.01' });
      expect(changed.detail).toEqual({ columns: ['amount'] });
      expect(result.samples.find((s) => s.key.id === '21')).toMatchObject({ old: { note: '' }, new: { note: null } });
      // Every pass is recorded with the rows it streamed, and rows_transferred adds them up (both sides at once).
      // (Not the probes: the types and their parts, the encoding, which table each name reaches, definition versions.)
      const passes = result.statements.filter(readsRows);
      expect(passes.some((s) => s.sql.includes('::text as rh'))).toBe(true);
      expect(passes.reduce((n, s) => n + s.rows!, 0)).toBe(result.observations.rows_transferred);
    } finally {
      await db.exec(`
        insert into billing.payments select id, (amount * 100)::bigint, created_at, lower(email), note from payments where id in (10, 11);
        delete from billing.payments where id = 5000;
        update billing.payments set note = '' where id = 21;
        update billing.payments set amount_cents = amount_cents - 1 where id = 700;
      `);
    }
  });

  it('allows up to max_differences', async () => {
    await db.exec(`update billing.payments set email = 'changed' where id = 3`);
    try {
      expect((await runCheck(db, check('    max_differences: 1'))).status).toBe('pass');
      expect((await runCheck(db, check('    max_differences: 0'))).status).toBe('fail');
    } finally {
      await db.exec(`update billing.payments set email = lower('User3@Example.com') where id = 3`);
    }
  });

  it('compares every column by name when columns are left out', async () => {
    await db.exec(`create table payments_copy as select * from payments; alter table payments_copy add primary key (id);
      update payments_copy set note = 'different' where id = 99`);
    const result = await runCheck(db, `
checks:
  - id: copy-diff
    kind: table_diff
    key: [id]
    old: { source: app, table: payments }
    new: { source: app, table: payments_copy }
`);
    expect(result.observations).toMatchObject({ changed: 1, changed_by_column: { note: 1 } });
  });

  it('reports a missing table as error, never pass', async () => {
    const result = await runCheck(db, check().replace('billing.payments', 'billing.nope'));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('missing_relation');
  });

  it('exports the fingerprint pass as standalone SQL (what a benchmark runs through psql)', async () => {
    const spec = catalogFromYaml(check(), { app: db }).checks.get('payments-table-diff')!.spec as TableDiffSpec;
    const sides = diffSidesOf(spec, comparedColumnsOf(spec));
    const typeOf = async (side: 'old' | 'new') => {
      const statement = compile(planSideTypes(sides[side]));
      const [row] = await db.exec(statement.text, statement.params);
      return { keys: [String(row!.k_0)], values: [0, 1, 2, 3].map((i) => String(row![`v_${i}`])) };
    };
    const types = { old: await typeOf('old'), new: await typeOf('new') };
    expect(types.new.values[0]).toBe('numeric');
    const pass = planFingerprintPass(spec, types, 6);
    const run = async (statement: ReturnType<typeof compile>) => (await db.exec(statement.text, statement.params)).map((r) => JSON.stringify([r.b, r.n, r.s])).sort();
    const [oldPrints, newPrints] = [await run(compile(pass.old)), await run(compile(pass.new))];
    expect(oldPrints.length).toBeGreaterThan(32);
    expect(oldPrints).toEqual(newPrints);
  });

  it('reports a key that is not unique as error', async () => {
    await db.exec(`create table dup_old (id int, v text); create table dup_new (id int, v text);
      insert into dup_old values (1, 'a'), (2, 'b'); insert into dup_new values (1, 'a'), (2, 'b'), (2, 'c')`);
    const result = await runCheck(db, `
checks:
  - id: dup
    kind: table_diff
    key: [id]
    old: { source: app, table: dup_old }
    new: { source: app, table: dup_new }
`);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('duplicate_key');
  });
});

describe('table_diff planning', () => {
  it('builds the fingerprint pass as one GROUP BY with quoted identifiers and bound buckets', () => {
    const side: DiffSide = { source: 'a', table: { schema: 'public', name: 'pay"ments' }, keys: [sql`${sql.identifier('id')}`], values: [sql`${sql.identifier('amount')}`] };
    const text = compile(planFingerprint(side, { keys: ['integer'], values: ['numeric'] }, { integerKey: true, salt: '0123456789abcdef0123456789abcdef', rowHash: 'fast' }, 12, { bits: 4, buckets: [1, 3] }));
    expect(text.text).toMatch(/from "public"\."pay""ments"/);
    expect(text.text).toMatch(/group by 1/);
    expect(text.text).toMatch(/trim_scale/);
    expect(text.params).toContain('{"1","3"}');
  });

  it('names bad columns, key columns and stray normalisers in the check file', () => {
    const parse = (extra: string) => () => catalogFromYaml(`
checks:
  - id: d
    kind: table_diff
    key: [id]
    old: { source: a, table: t }
    new: { source: a, table: u }
${extra}`, { a: { url: 'embedded:x' } as never });
    expect(parse('    columns: { "bad name!": x }')).toThrow(/column name "bad name!"/);
    expect(parse('    columns: { id: x }')).toThrow(/"id" is a key column/);
    expect(parse('    columns: { a: x }\n    normalize: { b: [trim] }')).toThrow(/"b" is not one of the compared columns/);
    expect(parse('    columns: { a: "x; drop table t" }')).toThrow(/syntax error at or near ";"/);
  });

  it('mirrors record output for composite key texts', () => {
    expect(keyTextOf(['1', 'a b'])).toBe('(1,"a b")');
    expect(keyTextOf(['', 'x"y\\z'])).toBe('("","x""y\\\\z")');
  });
});

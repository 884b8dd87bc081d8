/**
 * column_parity under attack: values a collation (or a lax type) calls equal, duplicate and NULL
 * keys in the join form, and scopes that match nothing. On both engines; a wrong pass is the bug.
 * PGlite's ICU takes the old-style locale `und@colStrength=secondary` (not `und-u-ks-level2`),
 * which Postgres accepts too, so the nondeterministic collations below exist on both.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** Column types whose equality a nondeterministic collation makes lax, and how a value is written in each. */
const LAX_TYPES = {
  text: { type: 'text collate ci', literal: (s: string) => lit(s) },
  varchar: { type: 'varchar(40) collate ci', literal: (s: string) => lit(s) },
  char: { type: 'char(40) collate ci', literal: (s: string) => lit(s) },
  domain: { type: 'ci_text', literal: (s: string) => lit(s) },
  array: { type: 'text[] collate ci', literal: (s: string) => `array[${lit(s)}, 'x']` },
  composite: { type: 'ci_pair', literal: (s: string) => `row(${lit(s)}, 1)::ci_pair` },
  canonical: { type: 'text collate nd', literal: (s: string) => lit(s) },
} as const;
type LaxType = keyof typeof LAX_TYPES;

function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A different string the collation calls equal: another case for `ci`, the decomposed é for `nd`. */
function twin(s: string, type: LaxType): string {
  if (type === 'canonical') return s.replaceAll('\u00e9', 'e\u0301');
  return s === s.toUpperCase() ? s.toLowerCase() : s.toUpperCase();
}

const word = fc.stringMatching(/^[a-z]{1,6}$/);

describe.each(engines)('column_parity adversarial on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create collation ci (provider = icu, locale = 'und@colStrength=secondary', deterministic = false);
      create collation nd (provider = icu, locale = 'und', deterministic = false);
      create domain ci_text as text collate ci;
      create type ci_pair as (s text collate ci, n int);
    `);
  });
  afterAll(() => db.close());

  it('the collations really are lax on this engine', async () => {
    const [row] = await db.exec(`select 'Ab' = 'aB' collate ci as ci, U&'\\00E9' = U&'e\\0301' collate nd as nd, row('Ab', 1)::ci_pair = row('ab', 1)::ci_pair as composite`);
    expect(row).toEqual({ ci: true, nd: true, composite: true });
  });

  describe('values the collation calls equal are mismatches (generated)', () => {
    it('same-table form', async () => {
      await fc.assert(fc.asyncProperty(
        fc.constantFrom<LaxType>(...(Object.keys(LAX_TYPES) as LaxType[])), fc.uniqueArray(word, { minLength: 3, maxLength: 12 }), fc.nat(),
        async (type, words, pick) => {
          const { type: sqlType, literal } = LAX_TYPES[type];
          const base = words.map((w) => (type === 'canonical' ? `${w}\u00e9` : w));
          const changed = new Set(base.filter((_, i) => (pick >> i) % 2 === 1 || i === 0));
          await db.exec(`drop table if exists lax; create table lax (id int primary key, a ${sqlType}, b ${sqlType})`);
          await db.exec(`insert into lax values ${base.map((w, i) => `(${i}, ${literal(w)}, ${literal(changed.has(w) ? twin(w, type) : w)})`).join(', ')}`);
          const result = await runCheck(db, `
checks:
  - id: lax
    kind: column_parity
    source: app
    table: lax
    key: [id]
    old: a
    new: b
    sample: 100
`);
          expect(result.status).toBe('fail');
          expect(result.observations).toMatchObject({ rows: base.length, mismatches: changed.size });
          expect(result.samples.map((s) => Number(s.key.id)).sort((x, y) => x - y)).toEqual(base.flatMap((w, i) => (changed.has(w) ? [i] : [])));
        },
      ), { numRuns: 14 });
    });

    it('join form: keys and values', async () => {
      await fc.assert(fc.asyncProperty(
        fc.constantFrom<'text' | 'varchar' | 'domain' | 'canonical'>('text', 'varchar', 'domain', 'canonical'), fc.uniqueArray(word, { minLength: 3, maxLength: 10 }),
        async (type, words) => {
          const { type: sqlType, literal } = LAX_TYPES[type];
          const base = words.map((w) => (type === 'canonical' ? `${w}\u00e9` : w));
          await db.exec(`drop table if exists lax_old; drop table if exists lax_new;
            create table lax_old (k ${sqlType}, v ${sqlType}); create table lax_new (k ${sqlType}, v ${sqlType})`);
          await db.exec(`insert into lax_old values ${base.map((w) => `(${literal(w)}, ${literal(w)})`).join(', ')}`);
          // First word: the key changes (twin); second: the value changes; the rest agree.
          await db.exec(`insert into lax_new values ${base.map((w, i) => `(${literal(i === 0 ? twin(w, type) : w)}, ${literal(i === 1 ? twin(w, type) : w)})`).join(', ')}`);
          const result = await runCheck(db, `
checks:
  - id: lax-join
    kind: column_parity
    source: app
    key: [k]
    old: { table: lax_old, expr: v }
    new: { table: lax_new, expr: v }
    sample: 100
`);
          expect(result.status).toBe('fail');
          expect(result.observations).toMatchObject({ value_mismatches: 1, missing_in_new: 1, missing_in_old: 1 });
        },
      ), { numRuns: 10 });
    });
  });

  it('compares interval and jsonb by their exact text, not by lax equality', async () => {
    await db.exec(`create table lax_types (id int primary key, i1 interval, i2 interval, j1 jsonb, j2 jsonb)`);
    await db.exec(`insert into lax_types values (1, '1 day', '24 hours', '{"a": 1}', '{"a": 1}'), (2, '1 mon', '1 mon', '{"a": 1.0}', '{"a": 1.00}'),
      (3, '1 mon', '30 days', '{"b": 2, "a": 1}', '{"a": 1, "b": 2}')`);
    const check = (old: string, neu: string) => runCheck(db, `
checks:
  - id: types
    kind: column_parity
    source: app
    table: lax_types
    key: [id]
    old: ${old}
    new: ${neu}
`);
    const intervals = await check('i1', 'i2');
    expect(intervals.samples.map((s) => s.key.id).sort()).toEqual(['1', '3']);
    const json = await check('j1', 'j2');
    expect(json.samples.map((s) => s.key.id)).toEqual(['2']);
  });

  it('keeps value semantics where they are documented: numeric scale, integer widths, float zeros and NaN, timestamp vs timestamptz, char padding', async () => {
    await db.exec(`create table by_value (id int primary key, n1 numeric, n2 numeric(10,2), i4 int, i8 bigint, f1 float8, f2 float8,
      ts timestamp, tz timestamptz, c char(6), t text)`);
    await db.exec(`insert into by_value values
      (1, 1.0, 1.00, 7, 7, 0, '-0', '2024-01-01 10:00', '2024-01-01 10:00+00', 'ab', 'ab'),
      (2, 2.5, 2.50, 8, 8, 'NaN', 'NaN', '2024-06-01 00:00:00.5', '2024-06-01 00:00:00.5+00', 'x', 'x')`);
    for (const [old, neu] of [['n1', 'n2'], ['i4', 'i8'], ['f1', 'f2'], ['ts', 'tz'], ['c', 't'], ['n2', 'i8 - 6']]) {
      const result = await runCheck(db, `
checks:
  - id: by-value
    kind: column_parity
    source: app
    table: by_value
    key: [id]
    old: "${old}"
    new: "${neu}"
    max_mismatches: ${old === 'n2' ? 1 : 0}
`);
      expect(result.error).toBeNull();
      expect([old, neu, result.status]).toEqual([old, neu, 'pass']);
    }
  });

  describe('join form keys', () => {
    const joinCheck = `
checks:
  - id: keyed
    kind: column_parity
    source: app
    key: [a, b]
    old: { table: j_old, expr: v }
    new: { table: j_new, expr: v }
`;
    const seed = async () => {
      await db.exec(`drop table if exists j_old; drop table if exists j_new;
        create table j_old (a int, b text, v text); create table j_new (a int, b text, v text);
        insert into j_old select g % 7, 'b' || g, 'v' || g from generate_series(1, 60) g;
        insert into j_new select g % 7, 'b' || g, 'v' || g from generate_series(1, 60) g`);
    };

    it('refuses a key repeated on either side, naming it (generated)', async () => {
      await fc.assert(fc.asyncProperty(
        fc.constantFrom('j_old', 'j_new'), fc.integer({ min: 1, max: 60 }), fc.boolean(),
        async (table, g, sameValue) => {
          await seed();
          await db.exec(`insert into ${table} values (${g % 7}, 'b${g}', '${sameValue ? `v${g}` : 'other'}')`);
          const result = await runCheck(db, joinCheck);
          expect(result.status).toBe('error');
          expect(result.error?.code).toBe('duplicate_key');
          expect(result.error?.message).toContain(`(${g % 7}, b${g})`);
          expect(result.error?.message).toContain(table === 'j_old' ? 'old' : 'new');
        },
      ), { numRuns: 8 });
    });

    it('refuses a key repeated on both sides identically (a join would pair every copy)', async () => {
      await seed();
      await db.exec(`insert into j_old values (3, 'b3', 'v3'); insert into j_new values (3, 'b3', 'v3')`);
      const result = await runCheck(db, joinCheck);
      expect(result.status).toBe('error');
      expect(result.error?.code).toBe('duplicate_key');
    });

    it('refuses rows with a NULL key column on either side, with the counts', async () => {
      for (const [oldNulls, newNulls] of [[1, 0], [0, 2], [2, 2]] as const) {
        await seed();
        for (let i = 0; i < oldNulls; i++) await db.exec(`insert into j_old values (null, 'n${i}', 'x')`);
        for (let i = 0; i < newNulls; i++) await db.exec(`insert into j_new values (${i}, null, 'x')`);
        const result = await runCheck(db, joinCheck);
        expect(result.status).toBe('error');
        expect(result.error?.code).toBe('null_key');
        expect(result.observations).toMatchObject({ null_key_rows_old: oldNulls, null_key_rows_new: newNulls });
      }
    });

    it('passes clean tables', async () => {
      await seed();
      expect((await runCheck(db, joinCheck)).status).toBe('pass');
    });
  });

  describe('min_rows', () => {
    beforeAll(async () => {
      await db.exec(`create table scope (id int primary key, a text, b text, c text); insert into scope select g, 'x', 'x', 'x' from generate_series(1, 10) g;
        create table scope_new (id int primary key, b text); insert into scope_new select g, 'x' from generate_series(1, 10) g`);
    });
    const sameTable = (where: string, extra = '') => `
checks:
  - id: scoped
    kind: column_parity
    source: app
    table: scope
    key: [id]
    old: a
    new: b
    where: "${where}"
${extra}`;

    it('is an error when the where matches nothing (default min_rows 1)', async () => {
      // On a column neither value reads: a filter on `a` may not scope a comparison of `a` (where-scope).
      const result = await runCheck(db, sameTable("c = 'typo'"));
      expect(result.status).toBe('error');
      expect(result.error?.code).toBe('scope_too_small');
      expect(result.observations).toMatchObject({ rows: 0 });
    });

    it('is an error below an explicit min_rows and a pass at it', async () => {
      expect((await runCheck(db, sameTable('id <= 4', '    min_rows: 5'))).error?.code).toBe('scope_too_small');
      expect((await runCheck(db, sameTable('id <= 5', '    min_rows: 5'))).status).toBe('pass');
      expect((await runCheck(db, sameTable('id <= 4', '    max_mismatch_ratio: 0.5\n    min_rows: 5'))).status).toBe('error');
    });

    it('passes an empty scope only with min_rows: 0', async () => {
      // A where that reads a column and matches nothing here; `false` beside min_rows: 0 is a load
      // error (a scope that reads no column is empty whatever the data: test/adversarial/never-fails).
      expect((await runCheck(db, sameTable("c = 'typo'", '    min_rows: 0'))).status).toBe('pass');
    });

    it('join form: an empty side is an error, whichever side', async () => {
      for (const [oldWhere, newWhere] of [['false', 'true'], ['true', 'false'], ['false', 'false']]) {
        const result = await runCheck(db, `
checks:
  - id: scoped-join
    kind: column_parity
    source: app
    key: [id]
    old: { table: scope, expr: b, where: "${oldWhere}" }
    new: { table: scope_new, expr: b, where: "${newWhere}" }
    max_mismatch_ratio: 0.999
`);
        expect(result.status).toBe('error');
        expect(result.error?.code).toBe('scope_too_small');
      }
    });
  });
});

describeOnPostgres('column_parity with the BCP 47 spelling of a case-insensitive ICU collation', () => {
  // PGlite's ICU accepts `und-u-ks-level2` but ignores the level (its 'A' <> 'a'), so this spelling is tested on Postgres only.
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`create collation ci2 (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      create table bcp (id int primary key, a text collate ci2, b text collate ci2);
      insert into bcp values (1, 'Straße', 'STRASSE'), (2, 'same', 'same'), (3, 'Mixed', 'mixed')`);
  });
  afterAll(() => db.close());

  it('finds the values the collation calls equal', async () => {
    const [row] = await db.exec(`select 'Mixed' = 'mixed' collate ci2 as eq`);
    expect(row!.eq).toBe(true);
    const result = await runCheck(db, `
checks:
  - id: bcp
    kind: column_parity
    source: app
    table: bcp
    key: [id]
    old: a
    new: b
`);
    expect(result.status).toBe('fail');
    expect(result.samples.map((s) => s.key.id).sort()).toEqual(['1', '3']);
  });
});

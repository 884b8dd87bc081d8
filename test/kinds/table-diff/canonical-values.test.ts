/**
 * A row hash writes canonical values without `::text` where a type's cast to text is its output
 * function (OUTPUT_IS_TEXT): the row text must then be byte for byte the row text of the values'
 * canonical texts — for every such type, for awkward values (quotes, commas, blanks, backslashes,
 * empty and NULL), on both engines. Types with casts of their own (boolean, character, inet)
 * keep the cast; the test shows why they must.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { canonicalTextSql, canonicalValueSql, OUTPUT_IS_TEXT } from '../../../src/kinds/table-diff/row-hash.js';
import { columnSql, compile, joinSql, sql, type SQL } from '../../../src/sql/build.js';

/** A column per type, with values chosen to stress record output's quoting. */
const COLUMNS: Record<string, { column: string; values: string[] }> = {
  smallint: { column: 'c_int2', values: ['-32768', '0', '32767'] },
  integer: { column: 'c_int4', values: ['-2147483648', '7', '2147483647'] },
  bigint: { column: 'c_int8', values: ['-9223372036854775808', '42', '9223372036854775807'] },
  text: { column: 'c_text', values: ['', ' ', 'a,b', '"q"', 'back\\slash', '(paren)', 'tab\there', 'NULL', 'é ✓ 漢字'] },
  'character varying': { column: 'c_varchar', values: ['', 'x y', '"', ',', 'trailing  '] },
  date: { column: 'c_date', values: ['2026-12-06', 'infinity', '-infinity', '0044-03-15 BC'] },
  'timestamp with time zone': { column: 'c_tstz', values: ['2026-12-06 04:05:06.789123+00', 'infinity', '1999-01-01 00:00:00+05:30'] },
  'timestamp without time zone': { column: 'c_ts', values: ['2026-12-06 04:05:06.5', '-infinity'] },
  'time without time zone': { column: 'c_time', values: ['00:00:00', '23:59:59.999999'] },
  'time with time zone': { column: 'c_timetz', values: ['12:00:00+02', '00:00:00-11:30'] },
  interval: { column: 'c_interval', values: ['1 year 2 mons 3 days 04:05:06', '-1 day', '0'] },
  uuid: { column: 'c_uuid', values: ['00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'] },
  json: { column: 'c_json', values: ['{"a": 1, "b" : [1, "x,y"]}', '"str with \\"quote\\""', 'null', '[ ]'] },
  jsonb: { column: 'c_jsonb', values: ['{"b": [1, 2], "a": "(x)"}', '"\\\\"', '{}'] },
  bytea: { column: 'c_bytea', values: ['\\x', '\\x00ff2c22', '\\x5c'] },
};
const TYPED = Object.entries(COLUMNS);
const rowCount = Math.max(...TYPED.map(([, c]) => c.values.length)) + 1;

describe.each(engines)('canonical row values on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table t (id int, ${TYPED.map(([type, c]) => `${c.column} ${type}`).join(', ')},
      c_bool boolean, c_char character(4), c_inet inet)`);
    // Row i holds the i-th value of each column (NULL once a column runs out: the last row is all NULL).
    for (let i = 0; i < rowCount; i++) {
      const values = TYPED.map(([, c]) => c.values[i] ?? null);
      // Every value bound as text and cast in SQL: the drivers would otherwise parse dates and bytea themselves.
      const casts = [...TYPED.map(([type]) => type), 'boolean', 'character(4)', 'inet'];
      await db.exec(`insert into t values (${i}, ${casts.map((type, j) => `$${j + 1}::text::${type}`).join(', ')})`,
        [...values, i % 2 === 0 ? 'true' : 'false', i % 2 === 0 ? 'ab' : null, i % 2 === 0 ? '10.0.0.1' : null]);
    }
  });
  afterAll(async () => {
    await db.close();
  });

  /** Rows where row(value) and row(value's canonical text) write different texts, per expression pair. */
  const differing = async (pairs: { value: SQL; text: SQL }[]) => {
    const { text, params } = compile(sql`select count(*)::int as n from t where row(${joinSql(pairs.map((p) => p.value))})::text
      is distinct from row(${joinSql(pairs.map((p) => p.text))})::text`);
    return Number((await db.exec(text, params))[0]!.n);
  };

  it('covers every type written without a cast', () => {
    expect(new Set(Object.keys(COLUMNS))).toEqual(OUTPUT_IS_TEXT);
  });

  it.each(TYPED)('%s: the bare value writes the same row text as its canonical text', async (type, { column }) => {
    const value = columnSql(column);
    expect(compile(canonicalValueSql(value, type)).text).not.toMatch(/::text/);
    expect(await differing([{ value: canonicalValueSql(value, type), text: canonicalTextSql(value, type) }])).toBe(0);
  });

  it('a whole row of every type writes the same text either way', async () => {
    const pairs = [['integer', 'id'] as const, ...TYPED.map(([type, c]) => [type, c.column] as const), ['boolean', 'c_bool'], ['character', 'c_char'], ['inet', 'c_inet']]
      .map(([type, column]) => ({ value: canonicalValueSql(columnSql(column), type), text: canonicalTextSql(columnSql(column), type) }));
    expect(await differing(pairs)).toBe(0);
  });

  it.each([['boolean', 'c_bool'], ['character', 'c_char'], ['inet', 'c_inet']])('%s keeps its cast: its output differs from its text', async (type, column) => {
    const value = columnSql(column);
    expect(compile(canonicalValueSql(value, type)).text).toMatch(/::text/);
    // Without the cast, record output would write t / "ab  " / 10.0.0.1 where the text is true / ab / 10.0.0.1/32.
    expect(await differing([{ value: sql`${value}`, text: canonicalTextSql(value, type) }])).toBeGreaterThan(0);
  });

  it('arbitrary text and json values write the same row text either way', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\u0000')), async (s) => {
      const { text, params } = compile(sql`select row(${canonicalValueSql(sql`${s}::text`, 'text')}, ${canonicalValueSql(sql`to_jsonb(${s}::text)`, 'jsonb')})::text as a,
        row(${canonicalTextSql(sql`${s}::text`, 'text')}, ${canonicalTextSql(sql`to_jsonb(${s}::text)`, 'jsonb')})::text as b`);
      const [row] = await db.exec(text, params);
      expect(row!.a).toBe(row!.b);
    }), { numRuns: 60 });
  });
});

describe.each(engines)('canonical floats on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  const canonical = async (literal: string, type: string) => {
    const { text } = compile(canonicalTextSql(sql.raw(`'${literal}'::${type}`), type));
    return String((await db.exec(`select ${text} as t`))[0]!.t);
  };

  it('a float writes the decimal it names, as numeric does; distinct doubles stay distinct', async () => {
    const same: [string, string][] = [['1e-05', '0.00001'], ['1e15', '1000000000000000'], ['-0', '0'], ['0.1', '0.10'], ['12.5', '12.50'], ['NaN', 'NaN'], ['Infinity', 'Infinity']];
    for (const [float, numeric] of same) {
      expect([float, await canonical(float, 'double precision')]).toEqual([float, await canonical(numeric, 'numeric')]);
    }
    expect(await canonical('0.1', 'real')).toBe('0.1');
    // 2^53 and 2^53 + 2 are neighbouring doubles; 0.1 and the next double up differ too.
    expect(await canonical('9007199254740992', 'double precision')).not.toBe(await canonical('9007199254740994', 'double precision'));
    expect(await canonical('0.1', 'double precision')).not.toBe(await canonical('0.10000000000000002', 'double precision'));
    expect(await canonical('9007199254740993', 'numeric')).not.toBe(await canonical('9007199254740992', 'double precision'));
  });
});

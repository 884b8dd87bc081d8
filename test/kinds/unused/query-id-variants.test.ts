/** The ways a pg_stat_statements text may have been run, tried to recompute its query id (pure). */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql } from '../../../src/sql/parser.js';
import { placeholdersOf, queryIdVariants, withLiterals } from '../../../src/kinds/unused/query-id-variants.js';

beforeAll(loadSqlParser);

const first = (text: string, inferred: number[] | undefined, count: number) => {
  const out = [];
  for (const v of queryIdVariants(text, placeholdersOf(text), inferred)) {
    out.push(v);
    if (out.length >= count) break;
  }
  return out;
};

describe('queryIdVariants', () => {
  it('tries the text as recorded when it has no placeholder', () => {
    expect(first('select id from users', undefined, 10)).toEqual([{ text: 'select id from users', types: [], label: 'as recorded' }]);
  });

  it('tries undeclared parameters first, then every placeholder as the literal its inferred type makes likeliest', () => {
    const text = 'select id from users where id = $1 and big > $2 and price < $3 and name <> $4 limit $5';
    const [driver, declared, simple] = first(text, [23, 20, 1700, 25, 20], 3);
    expect(driver).toEqual({ text, types: [0, 0, 0, 0, 0], label: 'parameters typed (0, 0, 0, 0, 0)' });
    // Declared types take every other turn.
    expect(declared?.types.some((t) => t !== 0)).toBe(true);
    expect(simple?.text).toBe('select id from users where id = 1 and big > 1 and price < NULL and name <> NULL limit 1');
  });

  it('reaches the types drivers declare (JDBC varchar, psycopg int2/int8) within the cap, in turn with the undeclared ones', () => {
    const variants = first('select id from users where name = $1 and big = $2', [25, 20], 64).map((v) => v.types.join(','));
    expect(variants.indexOf('1043,0')).toBeGreaterThanOrEqual(0);
    expect(variants.indexOf('1043,0')).toBeLessThan(32);
    expect(variants.indexOf('0,21')).toBeGreaterThanOrEqual(0);
    expect(variants.indexOf('0,21')).toBeLessThan(32);
    expect(variants.indexOf('1043,23')).toBeGreaterThanOrEqual(0);
    expect(variants.indexOf('1043,23')).toBeLessThan(48);
  });

  it('keeps parameters below the split and writes literals for the constants numbered after them', () => {
    const variants = first('select id from users where id = $1 and kind = $2', [23, 25], 64);
    expect(variants.map((v) => v.text)).toContain('select id from users where id = $1 and kind = NULL');
  });

  it('replaces placeholders by byte offset, after multi-byte text, and leaves a $1 inside a string alone', () => {
    const text = "select 'é $1', $1, $2 from t";
    expect(withLiterals(text, placeholdersOf(text), 1, ['NULL'])).toBe("select 'é $1', $1, NULL from t");
    expect(withLiterals(text, placeholdersOf(text), 0, ['1', 'NULL'])).toBe("select 'é $1', 1, NULL from t");
  });

  it('yields distinct variants that all still parse', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(16, 20, 21, 23, 25, 700, 701, 1043, 1082, 1184, 1700, 2950), { minLength: 1, maxLength: 5 }), fc.boolean(), (types, known) => {
      const text = `select ${types.map((_, i) => `$${i + 1}`).join(', ')} from t`;
      const variants = first(text, known ? types : undefined, 200);
      const keys = variants.map((v) => `${v.text}|${v.types.join(',')}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const v of variants) expect(parseSql(v.text).kind).toBe('parsed');
    }));
  });
});

describe('placeholdersOf', () => {
  it('marks a placeholder standing alone in a select list, which the server infers as text whatever it was', () => {
    const text = 'update t set x = f($2) where id = $1 and not exists (select $3 from t d where d.p = $1)';
    expect([...placeholdersOf(text).bare ?? []]).toEqual([3]);
    const variants = first(text, [23, 25, 25], 16).map((v) => v.text);
    expect(variants).toContain('update t set x = f($2) where id = $1 and not exists (select 1 from t d where d.p = $1)');
  });
});

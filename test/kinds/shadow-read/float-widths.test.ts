import { describe, expect, it } from 'vitest';
import { floatWidenings } from '../../../src/kinds/shadow-read/float-widths.js';
import { planShadowBatch } from '../../../src/kinds/shadow-read/read-path.js';
import { compile } from '../../../src/sql/build.js';

const col = (name: string, floats: string | null) => ({ name, floats });
const options = { keyColumns: ['id'], ignore: [] as string[] };

describe('floatWidenings', () => {
  it('widens the real side of a real/double pair, scalar or array, and nothing else', () => {
    const old = [col('id', null), col('a', '=double precision'), col('b', '[]=real'), col('c', '=real'), col('d', null)];
    const fresh = [col('id', null), col('d', null), col('c', '=real'), col('b', '[]=double precision'), col('a', '=real')];
    expect(floatWidenings(old, fresh, options)).toEqual({
      old: { columns: [{ name: 'id' }, { name: 'a' }, { name: 'b', cast: 'float8[]' }, { name: 'c' }, { name: 'd' }] },
      new: { columns: [{ name: 'id' }, { name: 'd' }, { name: 'c' }, { name: 'b' }, { name: 'a', cast: 'float8' }] },
    });
  });

  it('leaves pairs without two widths alone: real against numeric, real against real', () => {
    expect(floatWidenings([col('a', '=real'), col('b', '=real')], [col('a', null), col('b', '=real')], options)).toEqual({ old: { columns: [{ name: 'a' }, { name: 'b' }] }, new: { columns: [{ name: 'a' }, { name: 'b' }] } });
  });

  it('refuses containers holding a real where the other holds a double, and anonymous records holding floats', () => {
    for (const [a, b] of [['.1=real', '.1=double precision'], ['=record', '=double precision'], ['~=real', '~=double precision'], ['[].1=real', '[].1=double precision'], ['=real', '[]=double precision']] as const) {
      expect(floatWidenings([col('v', a)], [col('v', b)], options)).toMatchObject({ problem: expect.stringContaining('column v holds') });
    }
  });

  it('judges no ignored column, and refuses a key column that would need a cast', () => {
    expect(floatWidenings([col('v', '=record')], [col('v', '=real')], { keyColumns: ['id'], ignore: ['v'] })).toEqual({ old: { columns: [{ name: 'v' }] }, new: { columns: [{ name: 'v' }] } });
    expect(floatWidenings([col('id', '=real')], [col('id', '=double precision')], options)).toMatchObject({ problem: expect.stringContaining('key column id') });
  });
});

describe('planShadowBatch with a widening', () => {
  it('is the plain batch without one, and casts by position keeping names and order with one', () => {
    const path = { source: 'a', query: 'select id, v as "odd ""name""", w from t where id = any($keys)' };
    const plain = compile(planShadowBatch(path, ['id'], [['1']])).text;
    expect(plain).toBe('select (q."id")::text as "__parity_k_0", to_json(q)::text as __parity_row from (\nselect id, v as "odd ""name""", w from t where id = any($1)\n) as q');
    const widened = compile(planShadowBatch(path, ['id'], [['1']], { columns: [{ name: 'id' }, { name: 'odd "name"', cast: 'float8' }, { name: 'w', cast: 'float8[]' }] })).text;
    expect(widened).toBe('select (q."id")::text as "__parity_k_0", to_json(q)::text as __parity_row from (\nselect q."__parity_c_0" as "id", (q."__parity_c_1")::pg_catalog.float8 as "odd ""name""", (q."__parity_c_2")::pg_catalog.float8[] as "w" from (\nselect id, v as "odd ""name""", w from t where id = any($1)\n) as q("__parity_c_0", "__parity_c_1", "__parity_c_2")\n) as q');
  });

  it('proves in every row that each column still has the type judged at the start', () => {
    const path = { source: 'a', query: 'select id, v from t where id = any($keys)' };
    const guarded = compile(planShadowBatch(path, ['id'], [['1']], { columns: [{ name: 'id', type: '23' }, { name: 'v', type: '701' }] })).text;
    expect(guarded).toContain('where case when pg_catalog.pg_typeof(q."__parity_c_0")::pg_catalog.oid operator(pg_catalog.=) 23::pg_catalog.oid and pg_catalog.pg_typeof(q."__parity_c_1")::pg_catalog.oid operator(pg_catalog.=) 701::pg_catalog.oid');
    expect(guarded).toContain("pg_catalog.int4in(pg_catalog.textout(pg_catalog.textcat('parity: column types changed: '");
  });
});

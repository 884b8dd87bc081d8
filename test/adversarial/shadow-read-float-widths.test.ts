/**
 * A shadow_read with SQL paths compares each row as `to_json(row)` text, JSON numbers by decimal
 * value. A real prints its shortest text, so a double 0.1 on the old path and the same value
 * narrowed to real on the new one (0.100000001490116…) both printed 0.1 and passed. The rule is
 * column_parity's (exact-compare.ts): a real against a double compares as the double the real
 * widens to; a real against numeric as the decimal its text names (so that pair still passes);
 * a container holding a real where the other side's holds a double cannot be verified. Both
 * engines; each case is one column `v`, the old and the new path over copies of the same data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';
import type { SourceRegistry } from '../../src/sources/registry.js';

/** `oldColumns`/`newColumns`: the select list after the key. */
const shadow = (table: string, oldColumns: string, newColumns: string, compare = '') => `
checks:
  - id: widths
    kind: shadow_read
    key: [id]
    sample: { size: 80, from: { source: app, table: ${table}_old } }
    old: { source: app, query: "select id, ${oldColumns} from ${table}_old where id = any($keys)" }
    new: { source: app, query: "select id, ${newColumns} from ${table}_new where id = any($keys)" }
    max_mismatch_rate: 0.05
${compare}`;

type Expected = 'pass' | 'fail' | 'error';

/** Over `inexact`: doubles that no real holds (0.1, -3.3, 1e20, 1/3), each narrowed somewhere. */
const INEXACT: [string, string, string, Expected][] = [
  ['double against real', 'x', 'x::real', 'fail'],
  ['real against double (swapped sides)', 'x::real', 'x', 'fail'],
  ['double against a domain over real', 'x', 'x::real::real_d', 'fail'],
  ['a domain over real against double', 'x::real::real_d', 'x', 'fail'],
  ['a domain over real against a domain over double', 'x::real::real_d', 'x::double_d', 'fail'],
  ['double[] against real[]', 'array[x, x]', 'array[x, x]::real[]', 'fail'],
  ['real[] against double[] (swapped sides)', 'array[x]::real[]', 'array[x]', 'fail'],
  ['double[][] against real[][]', 'array[[x], [x]]', 'array[[x], [x]]::real[]', 'fail'],
  ['double[] against a domain over real[]', 'array[x]', 'array[x]::real[]::reals_d', 'fail'],
  ['double[] against an array of a domain over real', 'array[x]', 'array[x::real::real_d]', 'fail'],
  ['a narrowed column among others', 'x, 1 as w, x', 'x, 1 as w, x::real', 'fail'],
  // Containers that print a real as a double does, with no cast to widen through: cannot verify.
  ['a composite of double against one of real', 'row(x)::pair_d', 'row(x)::pair_r', 'error'],
  ['an anonymous record of double against one of real', 'row(x, 1)', 'row(x::real, 1)', 'error'],
  ['a range of double against one of real', "('[' || x || ',' || (x + 1) || ')')::range_d", "('[' || x::real || ',' || (x + 1)::real || ')')::range_r", 'error'],
  ['an array of composites of double against one of real', 'array[row(x)::pair_d]', 'array[row(x)::pair_r]', 'error'],
  // Controls: pairs that hold the same numbers still pass.
  ['real against real', 'x::real', 'x::real', 'pass'],
  ['double against double', 'x', 'x', 'pass'],
  ['real against numeric of its text (column_parity: equal)', 'x::real', 'x::real::text::numeric', 'pass'],
  ['real[] against real[]', 'array[x]::real[]', 'array[x]::real[]', 'pass'],
  ['a composite of real against the same type', 'row(x)::pair_r', 'row(x)::pair_r', 'pass'],
  ['double against text', 'x', 'x::text', 'fail'],
];

/** Over `exact`: doubles a real holds exactly (0.5, -0.25, 1e10, 3), so widening changes nothing. */
const EXACT: [string, string, string, Expected][] = [
  ['double against real, exact', 'x', 'x::real', 'pass'],
  ['real against double, exact', 'x::real', 'x', 'pass'],
  ['double[] against real[], exact', 'array[x]', 'array[x]::real[]', 'pass'],
  ['a domain over real against double, exact', 'x::real::real_d', 'x', 'pass'],
  ['double against double, exact', 'x', 'x', 'pass'],
  ['real against numeric, exact', 'x::real', 'x::numeric', 'pass'],
];

describe.each(engines)('shadow_read, a real against a double on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create domain real_d as real;
      create domain double_d as double precision;
      create domain reals_d as real[];
      create type pair_d as (a double precision);
      create type pair_r as (a real);
      create type range_d as range (subtype = float8);
      create type range_r as range (subtype = float4);
      create table inexact_old (id int primary key, x double precision not null);
      insert into inexact_old select g, (array[0.1, -3.3, 1e20, 1 / 3.0])[g % 4 + 1] from generate_series(1, 80) g;
      create table inexact_new as select * from inexact_old;
      create table exact_old (id int primary key, x double precision not null);
      insert into exact_old select g, (array[0.5, -0.25, 1e10, 3])[g % 4 + 1] from generate_series(1, 80) g;
      create table exact_new as select * from exact_old;
      create table real_keys (k real primary key, v text not null);
      insert into real_keys select g + (array[0.1, 0.3, 0.7])[g % 3 + 1], 'v' from generate_series(1, 80) g;
      create table real_keys_new as select * from real_keys;
    `);
  });
  afterAll(() => db.close());

  it.each(INEXACT)('%s: %s vs %s', async (_name, oldValue, newValue, expected) => {
    const result = await runCheck(db, shadow('inexact', `${oldValue} as v`, `${newValue} as v`));
    expect(result.status, result.summary).toBe(expected);
    if (expected === 'error') expect(result.error?.code).toBe('float_widths_differ');
    if (expected === 'fail') expect(result.observations.mismatches).toBe(80);
  });

  it.each(EXACT)('%s: %s vs %s', async (_name, oldValue, newValue, expected) => {
    const result = await runCheck(db, shadow('exact', `${oldValue} as v`, `${newValue} as v`));
    expect(result.status, result.summary).toBe(expected);
  });

  it('cannot verify a key column that is a real on one path and a double on the other', async () => {
    const keyed = (oldKey: string, newKey: string) => `
checks:
  - id: keys
    kind: shadow_read
    key: [k]
    sample: { size: 80, from: { source: app, table: real_keys } }
    old: { source: app, query: "select ${oldKey} as k, v from real_keys where k = any($keys.k)" }
    new: { source: app, query: "select ${newKey} as k, v from real_keys_new where k = any($keys.k)" }
    max_mismatch_rate: 0.05
`;
    const narrowed = await runCheck(db, keyed('k', 'k::text::float8'));
    expect(narrowed.status, narrowed.summary).toBe('error');
    expect(narrowed.error?.code).toBe('float_widths_differ');
    const same = await runCheck(db, keyed('k', 'k'));
    expect(same.status, same.summary).toBe('pass');
  });

  it('cannot verify through a read session that cannot describe its columns (fails closed)', async () => {
    const catalog = catalogFromYaml(shadow('inexact', 'x as v', 'x::real as v'), { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    // A wrapper that passes only `query` on, as benchmark and test wrappers once did.
    const queryOnly: SourceRegistry = { ...registry, get: async (name) => {
      const source = await registry.get(name);
      return { ...source, readOnly: (work, options) => source.readOnly((session) => work({ query: (statement) => session.query(statement) }), options) };
    } };
    try {
      const result = await execute([...catalog.checks.values()][0]!, queryOnly);
      expect(result.status, result.summary).toBe('error');
      expect(result.error?.code).toBe('cannot_describe');
    } finally {
      await registry.closeAll();
    }
  });

  it('leaves an ignored column alone, even a container it could not verify', async () => {
    const result = await runCheck(db, shadow('inexact', 'x as v, row(x, 1) as r', 'x as v, row(x::real, 1) as r', '    compare: { ignore: [r] }'));
    expect(result.status, result.summary).toBe('pass');
  });

  it('keeps the key text and the other columns as they were', async () => {
    const result = await runCheck(db, shadow('inexact', "x as v, 'a' as s, null::int as n", "x::real as v, 'a' as s, null::int as n", '    samples: 1'));
    expect(result.status, result.summary).toBe('fail');
    expect(result.samples[0]!.new).toMatchObject({ s: 'a', n: null });
    expect(Object.keys(result.samples[0]!.new as object)).toEqual(['id', 'v', 's', 'n']);
  });
});

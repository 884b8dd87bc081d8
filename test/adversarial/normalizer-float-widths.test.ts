/**
 * A real against a double compares as the double the real converts to exactly (real 0.1 is
 * 0.100000001490116…, never double 0.1). Under a normaliser both sides were compared by the text
 * the normaliser reads, and a real prints its shortest decimal as a double does (`0.1`), so a
 * migration that narrowed doubles to reals passed column_parity (both forms) and table_diff under
 * trim, lower, upper, collapse_whitespace, empty_as_null, and numeric_scale beyond a real's
 * precision. Now the real side is widened to the double it is before any normaliser reads it.
 * Every case runs on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** [old type, old value, new type, new value, normalisers, status expected] */
const CASES: [string, string, string, string, string, 'pass' | 'fail'][] = [
  // Wrong passes before: the real's shortest text is the double's.
  ['double precision', '0.1', 'real', '0.1', '[trim]', 'fail'],
  ['double precision', '0.1', 'real', '0.1', '[lower]', 'fail'],
  ['double precision', '0.1', 'real', '0.1', '[upper]', 'fail'],
  ['double precision', '0.1', 'real', '0.1', '[collapse_whitespace]', 'fail'],
  ['double precision', '0.1', 'real', '0.1', '[empty_as_null]', 'fail'],
  ['double precision', '0.1', 'real', '0.1', '[{ numeric_scale: 10 }]', 'fail'],
  ['double precision', '0.1', 'real', '0.1', '[trim, { numeric_scale: 9 }, upper]', 'fail'],
  ['double precision', '1e+20', 'real', '1e+20', '[lower]', 'fail'],
  ['double precision', '-3.3', 'real', '-3.3', '[trim]', 'fail'],
  ['real', '0.1', 'double precision', '0.1', '[lower]', 'fail'],
  ['double precision', '0.1', 'nfw_r4', '0.1', '[trim]', 'fail'],
  ['nfw_r4_again', '0.1', 'double precision', '0.1', '[upper]', 'fail'],
  ['nfw_f8', '0.1', 'real', '0.1', '[empty_as_null]', 'fail'],
  // Controls: equal at the double's width, or by what numeric_scale asks, or one width on both sides.
  ['double precision', '0.10000000149011612', 'real', '0.1', '[trim]', 'pass'],
  ['double precision', '0.5', 'real', '0.5', '[lower]', 'pass'],
  ['double precision', 'NaN', 'real', 'NaN', '[lower]', 'pass'],
  ['double precision', '-Infinity', 'nfw_r4', '-Infinity', '[upper]', 'pass'],
  ['double precision', '0.1', 'real', '0.1', '[{ numeric_scale: 2 }]', 'pass'],
  ['double precision', '0.1', 'double precision', '0.1', '[trim]', 'pass'],
  ['real', '0.1', 'nfw_r4', '0.1', '[trim]', 'pass'],
  ['real', '0.1', 'real', '0.1', '[{ numeric_scale: 10 }]', 'pass'],
  ['double precision', '0.1', 'text', '0.1', '[trim]', 'pass'],
  ['real', '0.1', 'text', '0.1', '[trim]', 'pass'],
];

describe.each(engines)('a normaliser reads a real against a double at the double\'s width, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create domain nfw_r4 as real; create domain nfw_r4_again as nfw_r4; create domain nfw_f8 as double precision;`);
    for (const [i, [oldType, oldValue, newType, newValue]] of CASES.entries()) {
      await db.exec(`create table nfw_${i} (id int primary key, o ${oldType}, n ${newType}); insert into nfw_${i} values (1, '${oldValue}', '${newValue}'), (2, null, null);
        create table nfw_old_${i} (id int primary key, v ${oldType}); insert into nfw_old_${i} values (1, '${oldValue}'), (2, null);
        create table nfw_new_${i} (id int primary key, v ${newType}); insert into nfw_new_${i} values (1, '${newValue}'), (2, null);`);
    }
  });
  afterAll(() => db.close());

  it('the trap is armed: each narrowed pair prints alike and differs as doubles', async () => {
    const [row] = await db.exec(`select (0.1::float8)::text = (0.1::real)::text as same_text, 0.1::float8 <> 0.1::real as differ`);
    expect(row).toEqual({ same_text: true, differ: true });
  });

  it('column_parity (both forms) and table_diff fail every narrowing and pass every control', async () => {
    const seen = [];
    for (const [i, [oldType, oldValue, newType, newValue, chain]] of CASES.entries()) {
      const same = await runCheck(db, `checks:
  - { id: nfw, kind: column_parity, source: app, table: nfw_${i}, key: [id], old: o, new: n, normalize: ${chain} }
`);
      const join = await runCheck(db, `checks:
  - { id: nfw, kind: column_parity, source: app, key: [id], old: { table: nfw_old_${i}, expr: v }, new: { table: nfw_new_${i}, expr: v }, normalize: ${chain} }
`);
      const diff = await runCheck(db, `checks:
  - { id: nfw, kind: table_diff, key: [id], old: { source: app, table: nfw_old_${i} }, new: { source: app, table: nfw_new_${i} }, normalize: { v: ${chain} } }
`);
      seen.push([oldType, oldValue, newType, newValue, chain, same.status, join.status, diff.status]);
    }
    expect(seen).toEqual(CASES.map(([o, ov, n, nv, chain, want]) => [o, ov, n, nv, chain, want, want, want]));
  });
});

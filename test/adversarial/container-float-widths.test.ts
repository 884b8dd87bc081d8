/**
 * A real holds fewer numbers than a double, but each prints its shortest round-trip decimal: real
 * 0.1 (0.100000001490116…) prints `0.1` as double 0.1 does. Scalars, domains over them and plain
 * `real[]` against `double precision[]` were already compared as doubles; every other container
 * was compared by its text — a composite with a real field against one with a double field, an
 * array of a domain over real, a domain over a composite, a range or multirange over float4
 * against one over float8 — and a migration that narrowed doubles inside any of them passed.
 * Across two databases even the type name proved nothing: `pt` over a double on one server and
 * `pt` over a real on the other were "the same type", compared by text.
 * Now arrays of reals (through domains, any depth of dimensions) are written as double arrays, and
 * any other container holding a real where the other side's holds a double is "could not verify".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';

const TYPES = `create type p8 as (x double precision); create type p4 as (x real);
  create domain r4 as real; create domain ra as real[]; create domain dp4 as p4;
  create type fr8 as range (subtype = float8, multirange_type_name = fr8m); create type fr4 as range (subtype = float4, multirange_type_name = fr4m);
  create type pa4 as (x real[]); create type pa8 as (x double precision[]);
  create type q8 as (p p8); create type q4 as (p dp4); create type s8 as (q q8[]); create type s4 as (q q4[]);
  create table rowtype4 (x real); create table rowtype8 (x double precision);
  create domain fr4d as fr4;`;

/** [old type, new type, old value, new value, what table_diff and column_parity say] */
const CASES: [string, string, string, string, 'fail' | 'error' | 'pass'][] = [
  // Narrowed arrays: compared as doubles, a difference.
  ['double precision[]', 'r4[]', '{0.1}', '{0.1}', 'fail'],
  ['double precision[]', 'ra', '{0.1}', '{0.1}', 'fail'],
  ['double precision[]', 'r4[]', '{{0.1,0.5}}', '{{0.1,0.5}}', 'fail'],
  ['r4[]', 'double precision[]', '{0.1}', '{0.1}', 'fail'],
  // Narrowed inside containers no cast widens: could not verify.
  ['p8', 'p4', '(0.1)', '(0.1)', 'error'],
  ['p8', 'dp4', '(0.1)', '(0.1)', 'error'],
  ['p8[]', 'p4[]', '{"(0.1)"}', '{"(0.1)"}', 'error'],
  ['fr8', 'fr4', '[0.1,0.2)', '[0.1,0.2)', 'error'],
  ['fr8m', 'fr4m', '{[0.1,0.2)}', '{[0.1,0.2)}', 'error'],
  ['pa8', 'pa4', '("{0.1}")', '("{0.1}")', 'error'],
  // Deeper and other containers: a real three levels down, a table's row type, arrays of ranges, a domain over a range.
  ['s8', 's4', '("{""(\\\\""(0.1)\\\\"")""}")', '("{""(\\\\""(0.1)\\\\"")""}")', 'error'],
  ['rowtype8', 'rowtype4', '(0.1)', '(0.1)', 'error'],
  ['fr8[]', 'fr4[]', '{"[0.1,0.2)"}', '{"[0.1,0.2)"}', 'error'],
  ['fr8', 'fr4d', '[0.1,0.2)', '[0.1,0.2)', 'error'],
  // Values a real holds exactly: arrays still compare, and agree.
  ['double precision[]', 'r4[]', '{0.5,0.25}', '{0.5,0.25}', 'pass'],
  ['double precision[]', 'ra', '{0.5}', '{0.5}', 'pass'],
  // The same container on both sides: by text, as before.
  ['p4', 'dp4', '(0.1)', '(0.1)', 'pass'],
];

describe.each(engines)('containers of reals against containers of doubles, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`${TYPES}
      create table o (id int primary key, ${CASES.map((c, i) => `c${i} ${c[0]}`).join(', ')});
      create table n (id int primary key, ${CASES.map((c, i) => `c${i} ${c[1]}`).join(', ')});
      insert into o (id) select generate_series(1, 20); insert into n (id) select generate_series(1, 20);
      update o set (${CASES.map((_, i) => `c${i}`).join(', ')}) = row(${CASES.map((c) => `'${c[2]}'`).join(', ')}) where id = 7;
      update n set (${CASES.map((_, i) => `c${i}`).join(', ')}) = row(${CASES.map((c) => `'${c[3]}'`).join(', ')}) where id = 7;`);
  });
  afterAll(() => db.close());

  it('table_diff never passes a narrowed container', async () => {
    const seen: unknown[] = [];
    for (const [i, c] of CASES.entries()) {
      const result = await runCheck(db, `checks:
  - { id: t, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, columns: { c${i}: c${i} } }
`);
      seen.push([c[0], c[1], c[2], result.status, result.error?.code ?? null]);
    }
    expect(seen).toEqual(CASES.map((c) => [c[0], c[1], c[2], c[4], c[4] === 'error' ? 'float_widths_differ' : null]));
  });

  it('an anonymous record holding a real is never compared by text with one holding a double', async () => {
    await db.exec(`create table o2 (id int primary key, p p8, a double precision); create table n2 (id int primary key, a real);
      insert into o2 select g, '(0.1)', 0.1 from generate_series(1, 20) g; insert into n2 select g, 0.1 from generate_series(1, 20) g;`);
    const diff = await runCheck(db, `checks:
  - { id: t, kind: table_diff, key: [id], old: { source: app, table: o2 }, new: { source: app, table: n2 }, columns: { p: "row(a)" } }
`);
    expect([diff.status, diff.error?.code]).toEqual(['error', 'float_widths_differ']);
    const parity = await runCheck(db, `checks:
  - { id: t, kind: column_parity, source: app, key: [id], old: { table: o2, expr: "row(a)" }, new: { table: n2, expr: "row(a)" } }
`);
    expect(parity.status).toBe('error');
    // The catalog does not say what an anonymous record holds: two of them are never compared by
    // text, even when they hold no float (the documented cost), while one against a type that holds
    // no float is.
    const text = await runCheck(db, `checks:
  - { id: t, kind: column_parity, source: app, key: [id], old: { table: o, expr: "row(id::text)" }, new: { table: n, expr: "row(id::text)" } }
`);
    expect(text.status).toBe('error');
  });

  it('column_parity never passes a narrowed container', async () => {
    const seen: unknown[] = [];
    for (const [i, c] of CASES.entries()) {
      const result = await runCheck(db, `checks:
  - { id: t, kind: column_parity, source: app, key: [id], old: { table: o, expr: c${i} }, new: { table: n, expr: c${i} } }
`);
      seen.push([c[0], c[1], c[2], result.status]);
    }
    // Two different array types have no `=` at all: column_parity says "could not verify" for them.
    expect(seen).toEqual(CASES.map((c) => [c[0], c[1], c[2], c[0].endsWith('[]') || c[1].endsWith('[]') || c[1] === 'ra' ? 'error' : c[4]]));
  });
});

/** Types of one name, over a double on the old server and over a real on the new one. */
const SAME_NAMES = (width: string) => `create type pt as (x ${width}); create domain amt as ${width};
  create type fr as range (subtype = ${width}, multirange_type_name = frm);
  create table t (id int primary key, a pt, b amt[], c fr, d frm, e pt[]);
  insert into t select g, '(0.1)', array[0.1], '[0.1,0.2)', '{[0.1,0.2)}', '{"(0.1)"}' from generate_series(1, 20) g;`;

describe.each(engines.includes('postgres') ? ['pglite', 'postgres'] as const : [])('a type of one name over a real on one server and a double on the other (old on %s)', (oldEngine) => {
  let old: TestDatabase;
  let fresh: TestDatabase;
  beforeAll(async () => {
    old = await createTestDatabase(oldEngine);
    fresh = await createTestDatabase('postgres');
    await old.exec(SAME_NAMES('double precision'));
    await fresh.exec(SAME_NAMES('real'));
  });
  afterAll(async () => {
    await old.close();
    await fresh.close();
  });

  it.each(['a', 'b', 'c', 'd', 'e'])('table_diff does not pass column %s', async (column) => {
    const catalog = catalogFromYaml(`checks:
  - { id: t, kind: table_diff, key: [id], old: { source: a, table: t }, new: { source: b, table: t }, columns: { ${column}: ${column} } }
`, { a: old, b: fresh });
    const registry = registryForCatalog(catalog, { a: old, b: fresh });
    try {
      const result = await execute(catalog.checks.get('t')!, registry);
      expect([result.status, result.error?.code]).toEqual(column === 'b' ? ['fail', undefined] : ['error', 'float_widths_differ']);
    } finally {
      await registry.closeAll();
    }
  });
});

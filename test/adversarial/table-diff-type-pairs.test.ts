/**
 * table_diff wrote each value in its own type's canonical form — numeric trimmed (1.50 → 1.5), a
 * float as the decimal its shortest text names (1e-05 → 0.00001, real 0.1 → 0.1) — whatever type
 * the other side had. Against a text column that made numeric 1.50 equal the text '1.5' and double
 * 1e-05 equal '0.00001', and between a real and a double it made real 0.1 equal double 0.1: a
 * migration that narrowed doubles to reals, or rewrote prices with their scale lost, passed, while
 * column_parity (and Postgres's `=`) call every one of those pairs different. The rule now
 * follows column_parity's for every pair of types: numbers by value only against numbers, a real
 * against a double as the double it converts to, anything else by its plain text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';
import { valueFormsOf } from '../../src/kinds/table-diff/row-hash.js';

/** [old type, old value, new type, new value, do the two differ?] */
const PAIRS: [string, string, string, string, boolean][] = [
  // Wrong passes before: the number was trimmed or re-read as a decimal, the text was not.
  ['numeric(10,2)', '1.50', 'text', '1.5', true],
  ['text', '1.5', 'numeric(10,2)', '1.50', true],
  ['double precision', '1e-05', 'text', '0.00001', true],
  ['real', '1e-05', 'text', '0.00001', true],
  ['double precision', '-0', 'text', '0', true],
  // A double narrowed to real, and a real widened by re-reading its text: different numbers.
  ['double precision', '0.1', 'real', '0.1', true],
  ['real', '0.1', 'double precision', '0.1', true],
  ['real', '12345.67', 'double precision', '12345.67', true],
  // False fails before, now equal: the text is the number's own text.
  ['numeric(10,2)', '1.50', 'text', '1.50', false],
  ['double precision', '1e-05', 'text', '1e-05', false],
  // Equal by value, as before.
  ['real', '0.1', 'double precision', '0.100000001490116119384765625', false],
  ['real', '0.5', 'double precision', '0.5', false],
  ['numeric(10,2)', '12.50', 'double precision', '12.5', false],
  ['integer', '12', 'numeric(10,2)', '12.00', false],
  ['real', '0.1', 'numeric', '0.1', false],
  ['double precision', '1e-05', 'numeric', '0.00001', false],
  ['bigint', '9007199254740993', 'double precision', '9007199254740992', true],
  ['integer', '7', 'text', '7', false],
];

const columnsYaml = PAIRS.map((_, i) => `c${i}: c${i}`).join(', ');

describe.each(engines)('table_diff compares each pair of types as column_parity does, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const columns = (side: 0 | 2) => PAIRS.map((p, i) => `c${i} ${p[side]}`).join(', ');
    const values = (side: 1 | 3) => PAIRS.map((p) => `'${p[side]}'`).join(', ');
    await db.exec(`create table o (id int primary key, ${columns(0)}); create table n (id int primary key, ${columns(2)});
      insert into o (id) select generate_series(1, 20); insert into n (id) select generate_series(1, 20);
      update o set (${PAIRS.map((_, i) => `c${i}`).join(', ')}) = row(${values(1)}) where id = 7;
      update n set (${PAIRS.map((_, i) => `c${i}`).join(', ')}) = row(${values(3)}) where id = 7;
      create table ko (k numeric(10,2) primary key, v int); create table kn (k text primary key, v int);
      insert into ko values (1.50, 1); insert into kn values ('1.5', 1);`);
  });
  afterAll(() => db.close());

  it('finds exactly the pairs that differ, as column_parity does', async () => {
    const diff = await runCheck(db, `
checks:
  - id: pairs
    kind: table_diff
    key: [id]
    old: { source: app, table: o }
    new: { source: app, table: n }
    columns: { ${columnsYaml} }
`);
    const changed = diff.observations.changed_by_column as Record<string, number>;
    const seen = PAIRS.map((p, i) => [...p.slice(0, 4), (changed[`c${i}`] ?? 0) > 0]);
    expect(seen).toEqual(PAIRS.map((p) => [...p.slice(0, 4), p[4]]));
    for (const [i, pair] of PAIRS.entries()) {
      const parity = await runCheck(db, `checks:
  - { id: pair, kind: column_parity, source: app, key: [id], old: { table: o, expr: c${i} }, new: { table: n, expr: c${i} } }
`);
      // column_parity cannot compare a number with text at all (no such `=`): "could not verify".
      const comparable = !(pair[0] === 'text' || pair[2] === 'text');
      expect([...pair.slice(0, 4), parity.status]).toEqual([...pair.slice(0, 4), comparable ? (pair[4] ? 'fail' : 'pass') : 'error']);
    }
  });

  it('never matches a numeric key with a text key that drops its scale', async () => {
    const result = await runCheck(db, `
checks:
  - { id: keys, kind: table_diff, key: [k], old: { source: app, table: ko }, new: { source: app, table: kn } }
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ missing_in_new: 1, missing_in_old: 1, changed: 0 });
    expect(result.samples.map((s) => `${s.category}:${s.key.k}`).sort()).toEqual(['missing_in_new:1.50', 'missing_in_old:1.5']);
  });
});

describe('the form of a column (pure)', () => {
  const TYPES = ['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision', 'text', 'character varying', 'jsonb', 'money',
    'date', 'timestamp without time zone', 'timestamp with time zone', 'boolean', 'numeric[]', 'posint'];
  const NUMBERS = new Set(TYPES.slice(0, 6));

  it('is symmetric, and by value only between two numbers (a real against a double as a double)', () => {
    fc.assert(fc.property(fc.constantFrom(...TYPES), fc.constantFrom(...TYPES), (a, b) => {
      const forms = valueFormsOf(a, b)!;
      const mirrored = valueFormsOf(b, a)!;
      expect([forms.old, forms.new]).toEqual([mirrored.new, mirrored.old]);
      if (a === b) expect(forms).toEqual({ old: 'typed', new: 'typed' });
      else if (NUMBERS.has(a) !== NUMBERS.has(b)) expect(forms).toEqual({ old: 'text', new: 'text' });
      if (a === 'real' && b === 'double precision') expect(forms).toEqual({ old: 'double', new: 'typed' });
    }), { numRuns: 500 });
  });
});

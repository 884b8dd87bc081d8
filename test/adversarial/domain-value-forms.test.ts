/**
 * A value whose type is a domain was compared by its text in both table_diff and column_parity,
 * whatever the domain was declared over. Text is strict for most types, but not between a real and
 * a double: both print their shortest round-trip decimal, so real 0.1 (0.100000001490116…) prints
 * as double 0.1 does. A migration that narrowed a double column to a domain over real (`create
 * domain amount as real`) passed both kinds — while the same narrowing to plain `real` fails, since
 * a real against a double compares as the double it converts to exactly. A domain now compares as
 * the type it is declared over (through domains of domains): a domain over real against a double
 * as a double, a domain over numeric against a number by value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** [old type, old value, new type, new value, do the two differ?] */
const PAIRS: [string, string, string, string, boolean][] = [
  // Wrong passes before: real-based text against double text.
  ['double precision', '0.1', 'r4', '0.1', true],
  ['r4', '0.1', 'double precision', '0.1', true],
  ['double precision', '0.1', 'r4_again', '0.1', true],
  ['f8', '0.1', 'real', '0.1', true],
  ['f8', '0.1', 'r4', '0.1', true],
  // Equal under `=`, and still equal.
  ['r4', '0.5', 'double precision', '0.5', false],
  ['real', '0.1', 'r4', '0.1', false],
  ['r4', '0.1', 'r4_again', '0.1', false],
  ['double precision', '0.1', 'f8', '0.1', false],
  ['amount', '12.50', 'numeric', '12.5', false],
  ['amount', '12.50', 'integer', '13', true],
  // Text against a number stays text.
  ['amount', '1.50', 'text', '1.5', true],
  ['amount', '1.50', 'text', '1.50', false],
];

describe.each(engines)('a domain compares as the type it is declared over, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const columns = (side: 0 | 2) => PAIRS.map((p, i) => `c${i} ${p[side]}`).join(', ');
    const values = (side: 1 | 3) => PAIRS.map((p) => `'${p[side]}'`).join(', ');
    await db.exec(`create domain r4 as real; create domain r4_again as r4; create domain f8 as double precision; create domain amount as numeric(10,2);
      create table o (id int primary key, ${columns(0)}); create table n (id int primary key, ${columns(2)});
      insert into o (id) select generate_series(1, 20); insert into n (id) select generate_series(1, 20);
      update o set (${PAIRS.map((_, i) => `c${i}`).join(', ')}) = row(${values(1)}) where id = 7;
      update n set (${PAIRS.map((_, i) => `c${i}`).join(', ')}) = row(${values(3)}) where id = 7;`);
  });
  afterAll(() => db.close());

  it('table_diff finds exactly the pairs that differ', async () => {
    const diff = await runCheck(db, `
checks:
  - id: pairs
    kind: table_diff
    key: [id]
    old: { source: app, table: o }
    new: { source: app, table: n }
    columns: { ${PAIRS.map((_, i) => `c${i}: c${i}`).join(', ')} }
`);
    const changed = diff.observations.changed_by_column as Record<string, number>;
    expect(PAIRS.map((p, i) => [...p.slice(0, 4), (changed[`c${i}`] ?? 0) > 0])).toEqual(PAIRS.map((p) => [...p.slice(0, 4), p[4]]));
  });

  it('column_parity finds exactly the pairs that differ', async () => {
    const seen: unknown[] = [];
    for (const [i, pair] of PAIRS.entries()) {
      const parity = await runCheck(db, `checks:
  - { id: pair, kind: column_parity, source: app, key: [id], old: { table: o, expr: c${i} }, new: { table: n, expr: c${i} } }
`);
      seen.push([...pair.slice(0, 4), parity.status]);
    }
    // column_parity cannot compare a number with text at all (no such `=`): "could not verify".
    expect(seen).toEqual(PAIRS.map((p) => [...p.slice(0, 4), p[2] === 'text' ? 'error' : p[4] ? 'fail' : 'pass']));
  });
});

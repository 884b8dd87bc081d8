/**
 * Rows are matched by the text of their keys in table_diff and shadow_read too, so keys are
 * compared values: a `real` key 0.1 (or a domain over real, or a `real[]`) prints as the `double
 * precision` 0.1 it is not, and a composite key `(a, b) = (1, 2)` prints as one of type `(b, a)`
 * holding a = 2, b = 1. column_parity's join form paired such keys and passed
 * (column-parity-join-key-forms.test.ts); these hold the other two kinds to the same rule: never a
 * pass over keys that share no value (a fail, or "could not verify"). table_diff writes keys in
 * valueFormsOf's forms and refuses composites named apart; shadow_read compares the key's own JSON
 * and judges its float widths — but a shadow_read with the key in `compare.ignore` compared
 * neither and passed every pair below, so a key may no longer be ignored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const PAIRS: [string, string, string][] = [
  ['a real key against a double', 'o_real', 'n_double'],
  ['a key of a domain over real against a double', 'o_domain', 'n_double'],
  ['a real[] key against a double[]', 'o_reals', 'n_doubles'],
  ['a composite key against one with its fields swapped', 'o_ab', 'n_ba'],
];

describe.each(engines)('table_diff and shadow_read over keys that print alike, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // 100 keys: enough for shadow_read to pass a sample when nothing differs.
    await db.exec(`
      create table o_real (k real primary key, v text);
      create table n_double (k double precision primary key, v text);
      insert into o_real select g * 0.1, 'v' || g from generate_series(1, 100) g;
      insert into n_double select g * 0.1, 'v' || g from generate_series(1, 100) g;
      create domain narrow_key as real;
      create table o_domain (k narrow_key primary key, v text);
      insert into o_domain select k, v from o_real;
      create table o_reals (k real[] primary key, v text);
      create table n_doubles (k double precision[] primary key, v text);
      insert into o_reals select array[g * 0.1], 'v' || g from generate_series(1, 100) g;
      insert into n_doubles select array[g * 0.1], 'v' || g from generate_series(1, 100) g;
      create type key_ab as (a int, b int);
      create type key_ba as (b int, a int);
      create table o_ab (k key_ab primary key, v text);
      create table n_ba (k key_ba primary key, v text);
      insert into o_ab select row(g, g + 1000)::key_ab, 'v' || g from generate_series(1, 100) g;
      insert into n_ba select row(g, g + 1000)::key_ba, 'v' || g from generate_series(1, 100) g;
      create table n_widened (k double precision primary key, v text);
      insert into n_widened select k::float8, v from o_real;
      create table n_real (k real primary key, v text);
      insert into n_real select k, v from o_real;
      create table n_ab (k key_ab primary key, v text);
      insert into n_ab select k, v from o_ab;
    `);
  });
  afterAll(() => db?.close());

  const tableDiff = (oldTable: string, newTable: string) =>
    `checks:\n  - { id: d, kind: table_diff, key: [k], old: { source: app, table: ${oldTable} }, new: { source: app, table: ${newTable} } }\n`;
  const shadowRead = (oldTable: string, newTable: string, extra = '') => `checks:
  - id: s
    kind: shadow_read
    key: [k]
    sample: { size: 100, from: { source: app, table: ${oldTable} } }
    old: { source: app, query: "select k, v from ${oldTable} where k::text = any($keys::text[])" }
    new: { source: app, query: "select k, v from ${newTable} where k::text = any($keys::text[])" }
    max_mismatch_rate: 0.05
${extra}`;

  it.each(PAIRS)('table_diff does not pass %s', async (_name, oldTable, newTable) => {
    const result = await runCheck(db, tableDiff(oldTable, newTable));
    expect(result.status, result.summary).not.toBe('pass');
  });

  it('table_diff matches a real key with the double it widens to (control)', async () => {
    const result = await runCheck(db, tableDiff('o_real', 'n_widened'));
    expect(result.status, result.summary).toBe('pass');
  });

  it('shadow_read passes a copy of the same keys (control)', async () => {
    for (const [oldTable, newTable] of [['o_real', 'n_real'], ['o_ab', 'n_ab']] as const) {
      const result = await runCheck(db, shadowRead(oldTable, newTable));
      expect(result.status, result.summary).toBe('pass');
    }
  });

  it.each(PAIRS)('shadow_read does not pass %s with the key column left out of the compared fields', async (_name, oldTable, newTable) => {
    let status: string;
    try {
      const result = await runCheck(db, shadowRead(oldTable, newTable, '    compare: { ignore: [k] }\n'));
      status = result.status === 'pass' ? `pass: ${result.summary}` : `${result.status}: ${result.summary}`;
    } catch (e) {
      status = `refused at load: ${(e as Error).message}`;
    }
    expect(status).not.toMatch(/^pass/);
  });

  it.each(PAIRS)('shadow_read does not pass %s', async (_name, oldTable, newTable) => {
    let status: string;
    try {
      const result = await runCheck(db, shadowRead(oldTable, newTable));
      status = result.status === 'pass' ? `pass: ${result.summary}` : result.status;
    } catch (e) {
      status = `refused at load: ${(e as Error).message}`;
    }
    expect(status).not.toMatch(/^pass/);
  });
});

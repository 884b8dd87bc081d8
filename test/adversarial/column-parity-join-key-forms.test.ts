/**
 * column_parity's join form matches rows by the text of their keys (`k::text collate "C"`), and
 * compares only the values of rows so matched. Its values are kept apart where their text is one
 * and their data is not — a real against a double (`float_widths_differ`), composites whose fields
 * are named or ordered differently (`composite_fields_differ`) — but its keys are not:
 *   - a `real` key 0.1 (or a domain over real, or a `real[]`) (0.100000001490116…) and a `double precision` key 0.1 both print `0.1`, so
 *     the old row is paired with a new row whose key is another number (a migration that widened
 *     the key by re-parsing text, or narrowed it, is never seen);
 *   - a composite key `(a, b) = (1, 2)` and one of type `(b, a)` holding `(1, 2)` both print
 *     `(1,2)`, though in the new row a = 2 and b = 1 (a copy by position swapped the fields).
 * Each such pair is a key missing on both sides, or refused as table_diff and shadow_read refuse
 * such keys; the join form paired them and passed.
 * Sound outcome: not a pass (a fail with keys missing, or an error such as float_widths_differ /
 * composite_fields_differ).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('column_parity join-form keys that print alike, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table o_real (k real primary key, v text);
      create table n_double (k double precision primary key, v text);
      insert into o_real values (0.1, 'x'), (0.2, 'y'), (0.3, 'z');
      insert into n_double values (0.1, 'x'), (0.2, 'y'), (0.3, 'z');
      create type key_ab as (a int, b int);
      create type key_ba as (b int, a int);
      create table o_ab (k key_ab primary key, v text);
      create table n_ba (k key_ba primary key, v text);
      insert into o_ab values (row(1, 2)::key_ab, 'x'), (row(3, 4)::key_ab, 'y');
      insert into n_ba values (row(1, 2)::key_ba, 'x'), (row(3, 4)::key_ba, 'y');
      create domain narrow_key as real;
      create table o_domain (k narrow_key primary key, v text);
      insert into o_domain values (0.1, 'x'), (0.2, 'y'), (0.3, 'z');
      create table o_reals (k real[] primary key, v text);
      create table n_doubles (k double precision[] primary key, v text);
      insert into o_reals values ('{0.1}', 'x'), ('{0.2,0.3}', 'y');
      insert into n_doubles values ('{0.1}', 'x'), ('{0.2,0.3}', 'y');
      create table n_widened (k double precision primary key, v text);
      insert into n_widened select k::float8, v from o_real;
    `);
  });
  afterAll(() => db?.close());

  it('a real key never matches the double that prints like it', async () => {
    // The trap is armed: no old key is a new key by value.
    const [{ shared }] = (await db.exec('select count(*)::int as shared from o_real o join n_double n on o.k::float8 = n.k')) as [{ shared: number }];
    expect(shared).toBe(0);
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_real, expr: v }, new: { table: n_double, expr: v } }\n');
    expect(result.status, result.summary).not.toBe('pass');
  });

  it('a real key matches the double it widens to (control)', async () => {
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_real, expr: v }, new: { table: n_widened, expr: v } }\n');
    expect(result.status, result.summary).toBe('pass');
    const domain = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_domain, expr: v }, new: { table: n_widened, expr: v } }\n');
    expect(domain.status, domain.summary).toBe('pass');
  });

  it('a real key paired by text is counted missing on both sides', async () => {
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_real, expr: v }, new: { table: n_double, expr: v } }\n');
    expect([result.status, result.observations.missing_in_old, result.observations.missing_in_new]).toEqual(['fail', 3, 3]);
  });

  it('a key of a domain over real never matches the double that prints like it', async () => {
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_domain, expr: v }, new: { table: n_double, expr: v } }\n');
    expect(result.status, result.summary).not.toBe('pass');
  });

  it('a real[] key never matches the double[] that prints like it', async () => {
    const [{ shared }] = (await db.exec('select count(*)::int as shared from o_reals o join n_doubles n on o.k::float8[] = n.k')) as [{ shared: number }];
    expect(shared).toBe(0);
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_reals, expr: v }, new: { table: n_doubles, expr: v } }\n');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('float_widths_differ');
  });

  it('a composite key never matches one whose fields are swapped', async () => {
    // The trap is armed: the new rows hold a = 2, b = 1 where the old hold a = 1, b = 2.
    const [{ shared }] = (await db.exec('select count(*)::int as shared from o_ab o join n_ba n on (o.k).a = (n.k).a and (o.k).b = (n.k).b')) as [{ shared: number }];
    expect(shared).toBe(0);
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: column_parity, source: app, key: [k], old: { table: o_ab, expr: v }, new: { table: n_ba, expr: v } }\n');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('composite_fields_differ');
  });
});

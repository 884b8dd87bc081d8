/**
 * Record output writes a composite's fields by position, without their names. A composite type of
 * one name declared with its fields in another order on the new server (`pt as (y int, x int)`)
 * printed a point whose x and y a migration swapped exactly as the original point printed, and
 * table_diff passed — as a column, inside an array, a domain or another composite, as a key, and
 * under a normaliser. Now both sides' composites must name the same fields in the same order, or
 * the check is "could not verify" (composite_fields_differ); types declared alike still compare.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';
import { compositeFieldsDiffer, compositeFieldsFrom } from '../../src/kinds/composite-fields.js';
import type { TypeParts } from '../../src/kinds/float-leaves.js';

/** The same tables on both sides; only the composite types' declarations differ. */
const TABLES = `
  create table col (id int primary key, p pt); insert into col values (1, row(1, 2)), (2, row(3, 4));
  create table arr (id int primary key, p pt[]); insert into arr values (1, array[row(1, 2)::pt]);
  create domain dpt as pt; create table dom (id int primary key, p dpt); insert into dom values (1, row(1, 2));
  create table nest (id int primary key, s seg); insert into nest values (1, row(row(1, 2), 'a'));
  create table keyed (p pt primary key, v int); insert into keyed values (row(1, 2), 7);
  create table norm (id int primary key, p pt); insert into norm values (1, row(1, 2));`;
const OLD_TYPES = `create type pt as (x int, y int); create type seg as (a pt, label text);`;

const diff = (table: string, key = 'id', extra = '') => `checks:
  - { id: d, kind: table_diff, key: [${key}], old: { source: a, table: ${table} }, new: { source: b, table: ${table} }${extra} }
`;

describe.each(engines)('table_diff over composites declared differently on the two sides, on %s', (engine) => {
  let old: TestDatabase;
  let swapped: TestDatabase;
  let alike: TestDatabase;
  beforeAll(async () => {
    // Three databases; on PGlite three names in one data directory, which the sources' registry opens.
    const dataDir = `memory:${randomUUID()}`;
    const open = (name: string) => createTestDatabase(engine, { name, dataDir });
    [old, swapped, alike] = await Promise.all([open('old_side'), open('swapped'), open('alike')]);
    await old.exec(OLD_TYPES + TABLES);
    // Fields in the other order: every stored value has x and y swapped, and prints as the old one does.
    await swapped.exec(`create type pt as (y int, x int); create type seg as (a pt, label text);${TABLES}`);
    // Declared alike, with one real difference (row 2's y).
    await alike.exec(OLD_TYPES + TABLES.replace('row(3, 4)', 'row(3, 5)'));
  });
  afterAll(async () => Promise.all([old, swapped, alike].map((db) => db.close())));

  const run = (yaml: string, neu: TestDatabase) => runFirstCheck(catalogFromYaml(yaml, { a: old, b: neu }), { a: old, b: neu });

  it.each([
    ['a composite column', diff('col')],
    ['an array of composites', diff('arr')],
    ['a domain over a composite', diff('dom')],
    ['a composite inside a composite', diff('nest')],
    ['a composite key', diff('keyed', 'p')],
    ['a composite under a normaliser', diff('norm', 'id', ', normalize: { p: [empty_as_null] }')],
  ])('is "could not verify" for %s, never a pass', async (_, yaml) => {
    const result = await run(yaml, swapped);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('composite_fields_differ');
    expect(result.summary).toContain('(x, y)');
    expect(result.summary).toContain('(y, x)');
  });

  it('still compares composites declared alike: passes when equal, fails on the changed field', async () => {
    expect((await run(diff('arr'), alike)).status).toBe('pass');
    expect((await run(diff('nest'), alike)).status).toBe('pass');
    const changed = await run(diff('col'), alike);
    expect(changed.status).toBe('fail');
    expect(changed.observations).toMatchObject({ changed: 1 });
  });
});

describe('composite fields of a type (pure)', () => {
  const types = new Map<string, TypeParts>([
    ['23', { name: 'integer', parts: [] }],
    ['2249', { name: 'record', parts: [] }],
    ['9001', { name: 'pt', parts: [{ oid: '23', step: '.1', field: 'x' }, { oid: '23', step: '.2', field: 'y' }] }],
    ['9002', { name: 'pt[]', parts: [{ oid: '9001', step: '[]' }] }],
    ['9003', { name: 'seg', parts: [{ oid: '9001', step: '.1', field: 'a' }, { oid: '2249', step: '.2', field: 'r' }] }],
  ]);

  it('names every composite by path, and marks records and unread types as unknown', () => {
    expect(compositeFieldsFrom('23', types)).toBeNull();
    expect(compositeFieldsFrom('9001', types)).toBe('[["",["x","y"]]]');
    expect(compositeFieldsFrom('9002', types)).toBe('[["[]",["x","y"]]]');
    expect(compositeFieldsFrom('9003', types)).toBe('[["",["a","r"]],[".1",["x","y"]],[".2",null]]');
    expect(compositeFieldsFrom('2249', types)).toBe('[["",null]]');
    expect(compositeFieldsFrom('424242', types)).toBe('[["",null]]');
  });

  it('differs where names, order or knowledge differ, never where a side holds no composite', () => {
    const xy = compositeFieldsFrom('9001', types);
    expect(compositeFieldsDiffer(xy, xy)).toBe(false);
    expect(compositeFieldsDiffer(xy, null)).toBe(false);
    expect(compositeFieldsDiffer(xy, '[["",["y","x"]]]')).toBe(true);
    expect(compositeFieldsDiffer(xy, compositeFieldsFrom('2249', types))).toBe(true);
    const seg = compositeFieldsFrom('9003', types);
    expect(compositeFieldsDiffer(seg, seg)).toBe(true);
  });
});

/**
 * A side's `where` was compared by its parse tree as written, so a filter that selects every row
 * the other side's selects — `true` against no filter, `a and true` against `a`, `a and b` against
 * `b and a`, `(a and b) and c` against `a and (b and c)` — hid a copy: each check below loaded
 * and, comparing a table with itself, could never fail. Filters are now compared as the set of
 * their top-level `and`-ed conditions, with `true` dropped (no condition at all is no filter).
 * Filters that may select other rows (`a or b` against `a`, `a` against `a and a is not null`)
 * still load.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { problemsOf } from '../support/load-problems.js';

beforeAll(async () => { await loadSqlParser(); });

const rowCount = (oldWhere: string | undefined, newWhere: string | undefined) => `
  - id: c
    kind: row_count
    old: { source: app, table: users${oldWhere === undefined ? '' : `, where: "${oldWhere}"`} }
    new: { source: app, table: users${newWhere === undefined ? '' : `, where: "${newWhere}"`} }`;

const tableDiff = (oldWhere: string | undefined, newWhere: string | undefined) => `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users${oldWhere === undefined ? '' : `, where: "${oldWhere}"`} }
    new: { source: app, table: users${newWhere === undefined ? '' : `, where: "${newWhere}"`} }`;

const columnParity = (oldWhere: string | undefined, newWhere: string | undefined) => `
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: full_name${oldWhere === undefined ? '' : `, where: "${oldWhere}"`} }
    new: { table: users, expr: full_name${newWhere === undefined ? '' : `, where: "${newWhere}"`} }`;

const SAME: [string, string | undefined, string | undefined][] = [
  ['true against no filter', undefined, 'true'],
  ['TRUE and true against no filter', 'TRUE and true', undefined],
  ['a and true against a', 'deleted_at is null and true', 'deleted_at is null'],
  ['a and b against b and a', 'deleted_at is null and id > 0', 'id > 0 and deleted_at is null'],
  ['nested ands regrouped', '(id > 0 and id < 9) and deleted_at is null', 'id > 0 and (id < 9 and deleted_at is null)'],
];

const DIFFERENT: [string, string | undefined, string | undefined][] = [
  ['a or b against a', 'id > 0 or deleted_at is null', 'id > 0'],
  ['a against a and c', 'id > 0', 'id > 0 and deleted_at is null'],
  ['false against no filter', undefined, 'false'],
  ['a against not a', 'id > 0', 'not id > 0'],
];

describe('filters that select the same rows are one filter', () => {
  for (const [build, kind] of [[rowCount, 'row_count'], [tableDiff, 'table_diff'], [columnParity, 'column_parity']] as const) {
    for (const [name, a, b] of SAME) {
      it(`${kind}: ${name} does not load`, () => {
        expect(problemsOf(build(a, b)).join('\n')).toMatch(/checks\[0\]\.new: old and new read the same/);
      });
    }
    for (const [name, a, b] of DIFFERENT) {
      it(`${kind}: ${name} still loads`, () => {
        expect(problemsOf(build(a, b))).toEqual([]);
      });
    }
  }
});

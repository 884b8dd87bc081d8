/**
 * column_parity and table_diff compare two values of different types by their text, so a value
 * against its own text is a comparison of one text with itself: `full_name` against
 * `full_name::text`, `cast(amount as varchar)`, `full_name::text::text` or `full_name collate "C"`
 * (collations never enter the comparison) on the same table and filter could never fail, and
 * each loaded. A compared value's shape now drops top-level casts to `text` or `varchar` without
 * a length, and COLLATE clauses. Casts that can change the text (`varchar(3)` truncates, `name`
 * too, `text[]` is another value) still load.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { problemsOf } from '../support/load-problems.js';

beforeAll(async () => { await loadSqlParser(); });

const sameTable = (expr: string) => `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: amount
    new: '${expr}'`;
const join = (expr: string) => `
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: amount }
    new: { table: users, expr: '${expr}' }`;
const diff = (expr: string) => `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: app, table: users }
    columns: { amount: '${expr}' }`;

const SAME = ['amount::text', 'cast(amount as varchar)', 'amount::text::text', 'amount::character varying', 'amount collate "C"', '(amount::pg_catalog.text)'];
const DIFFERENT = ['amount::varchar(3)', 'amount::name', 'amount::text[]', 'amount::numeric', 'lower(amount::text)', 'amount::evil.text'];

describe('a value against its own text is a self-comparison', () => {
  for (const [kind, build] of [['column_parity', sameTable], ['column_parity join', join], ['table_diff', diff]] as const) {
    for (const expr of SAME) {
      it(`${kind}: amount against ${expr} does not load`, () => {
        expect(problemsOf(build(expr)).join('\n')).toMatch(/old and new read the same/);
      });
    }
    for (const expr of DIFFERENT) {
      it(`${kind}: amount against ${expr} still loads`, () => {
        expect(problemsOf(build(expr))).toEqual([]);
      });
    }
  }
});

/**
 * Every SQL normaliser starts by casting its input to text (normalizers.ts normalizeSql), so under
 * any normaliser `amount` and `amount::text` (or `cast(amount as varchar)`, `amount collate "C"`)
 * are one text: column_parity or table_diff comparing them compares a column with itself and can
 * never fail. The self-comparison rule dropped such casts only for checks without normalisers,
 * so adding `normalize: [trim]` made the check load — and pass.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { problemsOf } from '../support/load-problems.js';

beforeAll(async () => { await loadSqlParser(); });

const NORMALIZERS = ['[trim]', '[lower]', '[empty_as_null]', '[{ numeric_scale: 2 }]', '[{ time_zone: UTC }]', '[collapse_whitespace, { timestamp_precision: s }]'];
const build = {
  column_parity: (expr: string, n: string) => `
  - { id: c, kind: column_parity, source: app, table: users, key: [id], old: amount, new: '${expr}', normalize: ${n} }`,
  'column_parity join': (expr: string, n: string) => `
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: users, expr: amount }, new: { table: users, expr: '${expr}' }, normalize: ${n} }`,
  table_diff: (expr: string, n: string) => `
  - { id: c, kind: table_diff, key: [id], old: { source: app, table: users }, new: { source: app, table: users }, columns: { amount: '${expr}' }, normalize: { amount: ${n} } }`,
};

describe('under a normaliser, a value against its own text is a self-comparison', () => {
  for (const [kind, check] of Object.entries(build)) {
    for (const n of NORMALIZERS) {
      it(`${kind} ${n}: amount against its text casts does not load`, () => {
        for (const expr of ['amount::text', 'cast(amount as varchar)', 'amount collate "C"']) {
          expect(problemsOf(check(expr, n)).join('\n'), expr).toMatch(/old and new read the same/);
        }
      });
      it(`${kind} ${n}: amount against another value still loads`, () => {
        for (const expr of ['amount::varchar(3)', 'amount::numeric', 'lower(amount::text)', 'amount::text[]']) {
          expect(problemsOf(check(expr, n)), expr).toEqual([]);
        }
      });
    }
  }
});

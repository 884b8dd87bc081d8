/**
 * sql_assert's two pure verdicts without a database: row-count expectations at their boundaries,
 * and single-value expectations (one row, first column, NULL only equal to NULL).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRowExpectation, evaluateValueExpectation, sqlAssertSchema, type SqlAssertSpec } from '../../src/kinds/sql-assert.js';

const specWith = (expectation?: unknown): SqlAssertSpec => sqlAssertSchema.parse({
  id: 'no-orphans', kind: 'sql_assert', source: 'app', query: 'select id from users where false',
  ...(expectation === undefined ? {} : { expect: expectation }),
});

describe('evaluateRowExpectation', () => {
  it('expects no rows by default, and reports every returned row as a mismatch', () => {
    fc.assert(fc.property(fc.nat(), (rows) => {
      const outcome = evaluateRowExpectation(specWith(), rows);
      expect(outcome.status).toBe(rows === 0 ? 'pass' : 'fail');
      expect(outcome.observations).toEqual({ rows_returned: rows, mismatches: rows === 0 ? 0 : rows });
    }));
    expect(evaluateRowExpectation(specWith(), 3).summary).toBe('query returned 3 rows; expected exactly 0');
  });

  it('passes rows: n only on exactly n', () => {
    fc.assert(fc.property(fc.nat(100), fc.nat(100), (rows, n) => {
      expect(evaluateRowExpectation(specWith({ rows: n }), rows).status).toBe(rows === n ? 'pass' : 'fail');
    }));
  });

  it('puts the max_rows and min_rows boundaries on the limit itself', () => {
    fc.assert(fc.property(fc.nat(100), fc.nat(100), (rows, limit) => {
      expect(evaluateRowExpectation(specWith({ max_rows: limit }), rows).status).toBe(rows <= limit ? 'pass' : 'fail');
      expect(evaluateRowExpectation(specWith({ min_rows: limit }), rows).status).toBe(rows >= limit ? 'pass' : 'fail');
    }));
    expect(evaluateRowExpectation(specWith({ max_rows: 5 }), 6).summary).toBe('query returned 6 rows; expected at most 5');
    expect(evaluateRowExpectation(specWith({ min_rows: 5 }), 4).summary).toBe('query returned 4 rows; expected at least 5');
  });

  it('never passes a value expectation on a row count', () => {
    fc.assert(fc.property(fc.nat(), (rows) => {
      expect(evaluateRowExpectation(specWith({ value: 1 }), rows).status).toBe('fail');
    }));
  });
});

describe('evaluateValueExpectation', () => {
  it('fails unless exactly one row comes back, whatever it holds', () => {
    expect(evaluateValueExpectation(1, [])).toMatchObject({ status: 'fail', summary: 'expected exactly one row holding 1, got 0 rows', observations: { rows_returned: 0 } });
    expect(evaluateValueExpectation(1, [{ v: 1 }, { v: 1 }])).toMatchObject({ status: 'fail', observations: { rows_returned: 2, mismatches: 1 } });
    expect(evaluateValueExpectation(null, [])).toMatchObject({ status: 'fail' });
  });

  it('compares the first column of the row, as the driver hands it over', () => {
    expect(evaluateValueExpectation(42, [{ total: 42, other: 0 }])).toMatchObject({ status: 'pass', summary: 'query returned 42 as expected', observations: { value: 42, mismatches: 0 } });
    expect(evaluateValueExpectation(42, [{ total: 41 }])).toMatchObject({ status: 'fail', summary: 'query returned 41; expected 42', observations: { mismatches: 1 } });
    // Postgres bigint and numeric arrive as text or bigint; their text is what is compared.
    expect(evaluateValueExpectation(9007199254740993, [{ n: 9007199254740993n }]).status).toBe('fail');
    expect(evaluateValueExpectation('9007199254740993', [{ n: 9007199254740993n }]).status).toBe('pass');
    expect(evaluateValueExpectation(10, [{ n: '10' }]).status).toBe('pass');
    expect(evaluateValueExpectation(10, [{ n: '10.0' }]).status).toBe('fail');
    expect(evaluateValueExpectation(true, [{ ok: true }]).status).toBe('pass');
    expect(evaluateValueExpectation(false, [{ ok: true }]).status).toBe('fail');
    expect(evaluateValueExpectation('2024-01-01T00:00:00.000Z', [{ at: new Date('2024-01-01T00:00:00Z') }]).status).toBe('pass');
  });

  it('treats NULL as equal only to NULL, never to the text "null" or to zero', () => {
    expect(evaluateValueExpectation(null, [{ v: null }]).status).toBe('pass');
    expect(evaluateValueExpectation(null, [{ v: 'null' }]).status).toBe('fail');
    expect(evaluateValueExpectation(null, [{ v: 0 }]).status).toBe('fail');
    expect(evaluateValueExpectation('null', [{ v: null }]).status).toBe('fail');
    expect(evaluateValueExpectation(0, [{ v: null }]).status).toBe('fail');
    expect(evaluateValueExpectation('', [{ v: null }]).status).toBe('fail');
    // A row without columns (`select from t`) holds no value at all, not a NULL.
    expect(evaluateValueExpectation(null, [{}]).status).toBe('fail');
    expect(evaluateValueExpectation(null, [{ v: null }]).observations).toEqual({ rows_returned: 1, mismatches: 0, value: null });
  });

  it('passes a single-row answer exactly when its text equals the expected text', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer()), fc.oneof(fc.string(), fc.integer()), (expected, actual) => {
      expect(evaluateValueExpectation(expected, [{ v: actual }]).status).toBe(String(expected) === String(actual) ? 'pass' : 'fail');
    }));
  });
});

/**
 * sql_assert's two pure verdicts without a database: row-count expectations at their boundaries,
 * and single-value expectations (one row, first column, NULL only equal to NULL).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRowExpectation, evaluateValueExpectation, sqlAssertSchema, type SqlAssertSpec } from '../../src/kinds/sql-assert.js';
import type { ExpectedValue, ValueRow } from '../../src/kinds/expected-value.js';

const specWith = (expectation?: unknown): SqlAssertSpec => sqlAssertSchema.parse({
  id: 'no-orphans', kind: 'sql_assert', source: 'app', query: "select id from users where status = 'orphan'",
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
      // expect.min_rows: 0 would accept any result, so it starts at 1.
      expect(evaluateRowExpectation(specWith({ min_rows: limit + 1 }), rows).status).toBe(rows >= limit + 1 ? 'pass' : 'fail');
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

describe('evaluateValueExpectation (pure: the database has already typed the row)', () => {
  const row = (type: string, category: string, text: string | null, jsonEqual = false): ValueRow => ({ type, category, text, json_equal: jsonEqual });
  const num = (text: string): ExpectedValue => ({ type: 'number', text });
  const str = (value: string): ExpectedValue => ({ type: 'string', value });
  const bool = (value: boolean): ExpectedValue => ({ type: 'boolean', value });

  it('fails unless exactly one row comes back, whatever it holds', () => {
    expect(evaluateValueExpectation(num('1'), [])).toMatchObject({ status: 'fail', summary: 'expected exactly one row holding a number (1), got 0 rows', observations: { rows_returned: 0 } });
    expect(evaluateValueExpectation(num('1'), [row('integer', 'N', '1', true), row('integer', 'N', '1', true)])).toMatchObject({ status: 'fail', observations: { rows_returned: 2, mismatches: 1 } });
    expect(evaluateValueExpectation({ type: 'null' }, [])).toMatchObject({ status: 'fail' });
  });

  it('takes the database\'s exact equality for numbers and JSON, never a coincidence of text', () => {
    expect(evaluateValueExpectation(num('42'), [row('integer', 'N', '42', true)])).toMatchObject({ status: 'pass', observations: { mismatches: 0, value: '42', value_type: 'integer' } });
    expect(evaluateValueExpectation(num('10'), [row('numeric', 'N', '10.0', true)]).status).toBe('pass');
    expect(evaluateValueExpectation(num('42'), [row('integer', 'N', '41', false)])).toMatchObject({ status: 'fail', observations: { mismatches: 1 } });
  });

  it('fails a type mismatch with a clear message: true is not the text "true", 7 is not the text "7"', () => {
    expect(evaluateValueExpectation(bool(true), [row('text', 'S', 'true', false)])).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^type mismatch: expected a boolean/) });
    expect(evaluateValueExpectation(num('7'), [row('text', 'S', '7', false)])).toMatchObject({ status: 'fail', summary: expect.stringMatching(/^type mismatch/) });
    expect(evaluateValueExpectation(str('7'), [row('integer', 'N', '7', true)]).status).toBe('fail');
    expect(evaluateValueExpectation(str('ab'), [row('text', 'S', 'ab')]).status).toBe('pass');
    expect(evaluateValueExpectation(str('ab'), [row('text', 'S', 'ab ')]).status).toBe('fail');
  });

  it('treats NULL as equal only to NULL, never to the text "null" or to zero', () => {
    expect(evaluateValueExpectation({ type: 'null' }, [row('integer', 'N', null)]).status).toBe('pass');
    expect(evaluateValueExpectation({ type: 'null' }, [row('text', 'S', 'null')]).status).toBe('fail');
    expect(evaluateValueExpectation({ type: 'null' }, [row('integer', 'N', '0')]).status).toBe('fail');
    expect(evaluateValueExpectation(str('null'), [row('text', 'S', null)]).status).toBe('fail');
    expect(evaluateValueExpectation(num('0'), [row('integer', 'N', null)]).status).toBe('fail');
  });

  it('leaves many-spelling types (timestamps, uuids) to the database\'s own equality', () => {
    const at = row('timestamp with time zone', 'D', '2024-01-01 00:00:00+00');
    expect(evaluateValueExpectation(str('2024-01-01T00:00:00Z'), [at], { equal: true }).status).toBe('pass');
    expect(evaluateValueExpectation(str('2024-01-01T00:00:00Z'), [at], { equal: false }).status).toBe('fail');
    expect(evaluateValueExpectation(str('2024-01-01T00:00:00Z'), [at]).status).toBe('fail');
  });

  it('passes a text answer exactly when its text equals the expected string', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (expected, actual) => {
      expect(evaluateValueExpectation(str(expected), [row('text', 'S', actual)]).status).toBe(expected === actual ? 'pass' : 'fail');
    }));
  });
});

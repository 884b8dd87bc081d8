import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { checkReadOnlyExpression, checkReadOnlyQuery } from '../../src/sql/read-only-guard.js';

beforeAll(loadSqlParser);

/**
 * Texts Postgres splits into several statements although a tokeniser that gets one lexical rule
 * wrong sees a single one. Each must be refused as more than one statement. Checked once by hand
 * against PostgreSQL 15.20 (psql, a throwaway database with default_transaction_read_only): each
 * reached its DELETE (or, for date'\', failed on the date value after parsing the whole string).
 */
const HIDDEN_STATEMENTS = [
  // The review's attack: `a$$$` is an identifier (`$` may continue one), not the start of a dollar quote.
  'select 1 as a$$$ from t; commit; begin read write; create table x (a int); insert into x values (1); commit;',
  'select a$$ from t; delete from t; select 1 as b$$',
  'select 1 as "$$"; delete from t; select 1 as "$$"',
  // With standard_conforming_strings a backslash does not escape a quote.
  "select date'\\'; delete from t; select '\\'",
  "select text'\\'; delete from t; select '\\'",
  "select '\\'; delete from t; --'",
  "select E'\\\\'; delete from t; select E'\\\\'",
  // Dollar quotes end only at the same tag.
  'select $a$x$a$; delete from t',
  'select $$ $a$ $$; delete from t; select $a$ $$ $a$',
  'select $a$ $$ $a$; delete from t; select $$ $a$ $$',
  // Block comments nest, so one `*/` is not enough to leave two `/*`.
  'select 1 /* /* */ */; delete from t',
  "select 1 /* ' */; delete from t; select '*/'",
  // A line comment ends at the newline, whatever quotes it holds.
  "select 'a' -- '\n; delete from t",
  "select U&'\\0027'; delete from t; select U&'\\0027'",
  'select U&"\\0022"; delete from t',
  'select "a;"; delete from t',
  'select 1;\n/* c */ delete from t',
];

/** Texts that look like several statements but that Postgres reads as one harmless literal, comment or name. */
const ONE_STATEMENT = [
  "select E'\\'; delete from t; '",
  'select 1 /* /* */ ; delete from t; */',
  'select $a$ $$; delete from t; $$ $a$',
  "select 'it''s; delete from t'",
  'select "a"";delete from t" from t',
  "select U&'\\0027; delete from t'",
  "select 'x' -- ; delete from t",
  'select $_$;delete from t;$_$',
];

describe('the guard splits statements exactly as Postgres does', () => {
  it.each(HIDDEN_STATEMENTS)('refuses the hidden statements in %j', (text) => {
    const problems = checkReadOnlyQuery(text);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/^contains [2-9] statements; only one read-only SELECT is allowed$/);
  });

  it.each(ONE_STATEMENT)('reads %j as one statement, as Postgres does', (text) => {
    expect(checkReadOnlyQuery(text)).toEqual([]);
  });

  it('points at the second statement, not at the first', () => {
    const text = 'select 1 as a$$$ from t; commit;';
    expect(checkReadOnlyQuery(text)[0]?.offset).toBe(text.indexOf('commit'));
  });

  it('tolerates one trailing semicolon and refuses empty statements', () => {
    expect(checkReadOnlyQuery('select 1;')).toEqual([]);
    expect(checkReadOnlyQuery('select 1; -- copied from psql\n')).toEqual([]);
    for (const text of ['select 1;;', ';select 1', 'select 1; ;', '; ; select 1']) {
      expect(checkReadOnlyQuery(text)[0]?.message).toBe("contains an empty statement: only one statement and one trailing ';' are allowed");
    }
  });

  it.each(HIDDEN_STATEMENTS.map((text) => text.replace(/^select /, '')))('refuses %j as an expression', (text) => {
    expect(checkReadOnlyExpression(text)).not.toEqual([]);
  });
});

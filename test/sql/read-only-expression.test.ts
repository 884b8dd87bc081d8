import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { checkReadOnlyExpression } from '../../src/sql/read-only-guard.js';
import { attributeForms, callOf, DENIED_NAMES, EXPRESSION_PLACEMENTS, spellings } from './variants.js';

beforeAll(loadSqlParser);

/** Expressions check files in the product use; each must keep passing. */
const PRODUCT_EXPRESSIONS = [
  "first_name || ' ' || last_name",
  "status = 'active'",
  'coalesce(a, b)',
  'amount_cents::numeric / 100',
  'lower(email)',
  "created_at > now() - interval '1 day'",
  'id in (select id from t where x)',
  "case when amount_cents > 0 then 'credit' when amount_cents < 0 then 'debit' else 'zero' end",
  "payload->>'k'",
  "jsonb_build_object('id', id, 'name', first_name || ' ' || last_name)",
  'row(a, b)::text',
  '"first name" || "Last Name"',
  '$$it\'s text$$',
  "$tag$ has $$ inside $tag$ = note",
  "E'line\\nbreak' <> body",
  "U&'d\\0061t\\+000061' = x",
  'exists (with recent as (select id from orders where placed_at > now() - interval \'1 day\') select 1 from recent where recent.id = t.id)',
  "date '2026-01-01' <= created_at",
  'x is not distinct from y',
  "'a' /* a comment */ || -- a line comment\n 'b'",
];

/** The problems, joined, so a refusal is asserted by its reason rather than merely by being non-empty. */
function messages(text: string): string {
  return checkReadOnlyExpression(text).map((p) => p.message).join('\n');
}

describe('checkReadOnlyExpression accepts what the product uses', () => {
  it.each(PRODUCT_EXPRESSIONS)('accepts %j', (text) => {
    expect(checkReadOnlyExpression(text)).toEqual([]);
  });
});

describe('checkReadOnlyExpression refuses escapes from its parentheses', () => {
  const cases: [string, RegExp][] = [
    ['1) from t; drop table x; select (1', /closes the parentheses parity wraps it in/],
    ['1) from t; drop table x; select (1', /adds 2 more statement/],
    ["1) union select pg_read_file('x'", /adds a set operation/],
    ["1) union select pg_read_file('x'", /calls pg_read_file/],
    ['1) as a, (2', /becomes 2 select-list items/],
    ["status = 'active') or (true", /^closes the parentheses parity wraps it in/],
    ['1) limit (1', /adds LIMIT/],
    ['1 --', /does not end where it should/],
    ['1 -- swallow the closing parenthesis', /does not end where it should/],
    ['1 /*', /unterminated \/\* comment/],
    ['1 /* /* */', /unterminated \/\* comment/],
    ["'abc", /unterminated quoted string/],
    ['"abc', /unterminated quoted identifier/],
    ['$$abc', /unterminated dollar-quoted string/],
    ['$a$ abc $$', /unterminated dollar-quoted string/],
    ["E'\\'", /unterminated quoted string/],
    ["date'\\'", /^$/],
    ['1); select (1', /adds 1 more statement/],
    ['', /is empty/],
    ['  \n ', /is empty/],
    ['(select 1 from t for update)', /locks rows with FOR UPDATE/],
    ['exists (with d as (delete from t returning 1) select 1 from d)', /contains a DELETE statement/],
    ['$1', /uses \$1/],
    ['x.nextval', /calls nextval through attribute notation/],
  ];
  it.each(cases)('judges %j by %s', (text, reason) => {
    expect(messages(text)).toMatch(reason);
  });

  it('refuses any clause appended after closing the wrapper', () => {
    const tails = ['from t', 'from t where (true', 'union select (1', 'union all select pg_sleep(1', 'or (true', 'and (false',
      'is null or (true', ', (2', 'as x', 'as x, (1', 'group by (1', 'order by (1', 'offset (1', 'fetch first (1) rows only, (1', 'into t', 'for update', 'window w as (', 'having (true'];
    const variants = tails.flatMap((tail) => [`x) ${tail}`, `x)${tail}`, `x) /* c */ ${tail}`, `x)\n${tail}`]);
    const accepted = variants.filter((text) => checkReadOnlyExpression(text).length === 0);
    expect(accepted).toEqual([]);
  });
});

describe('checkReadOnlyExpression refuses denied functions as a class', () => {
  it('refuses every deny-list name in every spelling and every placement', () => {
    const variants = DENIED_NAMES.flatMap((name) =>
      spellings(name).flatMap((spelling) => EXPRESSION_PLACEMENTS.map((place) => place(callOf(spelling)))),
    );
    const missed = variants.filter((text) => !/^calls /m.test(messages(text)));
    expect(missed).toEqual([]);
  });

  it('refuses every deny-list name reached through attribute notation', () => {
    const missed = DENIED_NAMES.flatMap(attributeForms).filter((text) => !/through attribute notation/.test(messages(text)));
    expect(missed).toEqual([]);
  });
});

describe('offsets point into the text as written', () => {
  it('counts UTF-16 units, not UTF-8 bytes, before the offending call', () => {
    const text = "'ü😀中' || x = pg_read_file('/etc/passwd')";
    expect(checkReadOnlyExpression(text)).toEqual([
      { message: 'calls pg_read_file (reads server files outside the database)', offset: text.indexOf('pg_read_file') },
    ]);
  });

  it('holds for any text before the call, and for syntax errors too', () => {
    const literal = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\0'));
    fc.assert(
      fc.property(literal, (s) => {
        const prefix = `'${s.replaceAll("'", "''")}' || `;
        const call = `${prefix}dblink_exec('x')`;
        expect(checkReadOnlyExpression(call)[0]?.offset).toBe(prefix.length);
        const broken = `${prefix}+ )`;
        expect(checkReadOnlyExpression(broken)[0]?.offset).toBe(broken.length - 1);
      }),
    );
  });

  it('locates a call after a control character in a literal (fast-check counterexample: the scanner broke on \\u0001)', () => {
    expect(checkReadOnlyExpression("'\u0001' || dblink_exec('x')")[0]?.offset).toBe(7);
    expect(checkReadOnlyExpression("'\u0001' = x")).toEqual([]);
  });

  it('refuses text Postgres and the wasm parser would read differently', () => {
    expect(checkReadOnlyExpression('1\0) from t')).toEqual([
      { message: 'is not a valid SQL expression: contains a NUL character, which Postgres cannot receive in SQL text', offset: 1 },
    ]);
    expect(checkReadOnlyExpression("'\uD800'")[0]?.message).toMatch(/unpaired UTF-16 surrogate/);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { findKeyPlaceholders, withPositionalParameters } from '../../src/sql/key-placeholders.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { checkReadOnlyQuery } from '../../src/sql/read-only-guard.js';

beforeAll(loadSqlParser);

const shadowRead = (text: string) => checkReadOnlyQuery(text, { keyPlaceholders: true });

describe('shadow_read key placeholders', () => {
  it('accepts $keys and $keys.<column> where parity binds the sampled keys', () => {
    expect(shadowRead('select * from orders where id = any($keys)')).toEqual([]);
    expect(shadowRead('select * from t where (a, b) in (select * from unnest($keys.a::int[], $keys."B c"::text[]))')).toEqual([]);
  });

  it('finds placeholders with the real lexer, not inside literals, comments or dollar quotes', () => {
    const text = "select '$keys', $k$ $keys $k$, \"$keys\" /* $keys */ from t where id = any($keys) and x = $keys.X and y = $keys.\"Y\"";
    expect(findKeyPlaceholders(text).map((p) => p.column)).toEqual([undefined, 'x', 'Y']);
    expect(findKeyPlaceholders('select x$keys, $keys1, $KEYS')).toEqual([]);
  });

  it('keeps every byte offset when substituting, even for a multibyte column name', () => {
    const text = 'select $keys."Ü" from t';
    const substituted = withPositionalParameters(text, findKeyPlaceholders(text));
    expect(Buffer.byteLength(substituted)).toBe(Buffer.byteLength(text));
    const call = "select $keys.\"Ü\", pg_read_file('x') from t";
    expect(shadowRead(call)).toEqual([{ message: 'calls pg_read_file (reads server files outside the database)', offset: call.indexOf('pg_read_file') }]);
  });

  it('still refuses positional parameters and everything else the guard refuses', () => {
    expect(shadowRead('select * from t where id = any($keys) and x = $1')[0]?.message).toMatch(/^uses \$1/);
    expect(shadowRead("select * from t where id = any($keys) and pg_read_file('x') is not null")[0]?.message).toMatch(/^calls pg_read_file/);
    expect(shadowRead('select * from t where id = any($keys) for update')[0]?.message).toMatch(/^locks rows/);
    expect(shadowRead('select * from t where id = any($keys); delete from t')[0]?.message).toMatch(/^contains 2 statements/);
  });

  it('is not SQL without the option', () => {
    expect(checkReadOnlyQuery('select * from t where id = any($keys)')[0]?.message).toMatch(/^is not valid SQL/);
  });

  it('locates a syntax error after a multibyte placeholder in the original text', () => {
    const text = 'select $keys."Üü" from from';
    expect(shadowRead(text)[0]?.offset).toBe(text.lastIndexOf('from'));
  });
});

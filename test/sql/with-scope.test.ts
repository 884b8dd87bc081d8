import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql } from '../../src/sql/parser.js';
import { tableReferencesOf } from '../../src/sql/with-scope.js';

beforeAll(() => loadSqlParser());

const tablesOf = (query: string) => {
  const parsed = parseSql(query);
  if (parsed.kind !== 'parsed') throw new Error(query);
  return tableReferencesOf(parsed.tree).map(({ fields, target }) => `${String(fields['relname'])}@${String(fields['location'])}${target ? ' target' : ''}`);
};

describe('WITH query names by scope', () => {
  it('leaves a table of the name read outside the WITH query\'s statement a table', () => {
    expect(tablesOf('select 1 from t where exists (with t as (select 1) select 1 from t)')).toEqual(['t@14']);
    expect(tablesOf('select 1 from t union all (with t as (select 1) select 1 from t)')).toEqual(['t@14']);
    expect(tablesOf('select (with t as (select 1) select 1 from t) from t')).toEqual(['t@51']);
  });

  it('takes the name for the WITH query in its statement, every branch and sub-query included', () => {
    expect(tablesOf('with t as (select 1) select 1 from t union select 1 from t where exists (select 1 from t)')).toEqual([]);
  });

  it('lets a WITH query see only those before it, unless RECURSIVE', () => {
    expect(tablesOf('with a as (select 1 from b), b as (select 1 from a) select 1 from a, b')).toEqual(['b@25']);
    expect(tablesOf('with recursive a as (select 1 from b), b as (select 1) select 1 from a')).toEqual([]);
  });

  it('keeps a qualified name and a statement\'s target a relation', () => {
    expect(tablesOf('with t as (select 1) select 1 from public.t')).toEqual(['t@35']);
    expect(tablesOf('with t as (select 1) insert into t select 1 from t')).toEqual(['t@33 target']);
  });
});

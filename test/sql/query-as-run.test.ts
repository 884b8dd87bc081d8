import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { limitExpressionsOf, relationsOf, replaceSpans, viewAsSubselect } from '../../src/sql/query-as-run.js';

beforeAll(() => loadSqlParser());

describe('query-as-run', () => {
  it('finds LIMIT and OFFSET of constants, leaving numbers, NULL and what reads rows', () => {
    const texts = (query: string) => limitExpressionsOf(query).map((span) => span.text);
    expect(texts('select 1 from t limit 1 - 1')).toEqual(['1 - 1']);
    expect(texts("select * from (select 1 from t limit length('')) s offset (select 0)")).toEqual(['(select 0)', "length('')"]);
    expect(texts('select 1 from t limit 3 offset null')).toEqual([]);
    expect(texts('select 1 from t limit (select count(*) from u)')).toEqual([]);
  });

  it('replaces a LIMIT by its value', () => {
    const query = 'select 1 from t limit 1 - 1';
    expect(replaceSpans(query, limitExpressionsOf(query).map((span) => ({ ...span, text: '0' })))).toBe('select 1 from t limit 0');
  });

  it('opens a view as a sub-select under its alias or its name, not a WITH query of the same name', () => {
    const query = 'with w as (select 1) select * from s."V" o, v, w';
    const relations = relationsOf(query);
    expect(relations.map((r) => [r.name, r.alias])).toEqual([['s."V"', 'o'], ['v', undefined]]);
    expect(replaceSpans(query, [viewAsSubselect(relations[0]!, ' SELECT 1;', 'V'), viewAsSubselect(relations[1]!, 'SELECT 2', 'v')]))
      .toBe('with w as (select 1) select * from (SELECT 1)  o, (SELECT 2) as "v", w');
  });
});

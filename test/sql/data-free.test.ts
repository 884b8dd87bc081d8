import { beforeAll, describe, expect, it } from 'vitest';
import { constantOutputsOf, expressionReadsNoData } from '../../src/sql/data-free.js';
import { loadSqlParser } from '../../src/sql/parser.js';

beforeAll(loadSqlParser);

/** `(select (select … (select <inner> as v0) …))`, `depth` sub-selects deep, each aliased so outer scopes can name it. */
function nestedSubselects(depth: number, inner: string): string {
  let text = inner;
  for (let i = 0; i < depth; i++) text = `(select v${i} from (select ${text} as v${i}) as s${i})`;
  return text;
}

describe('data-free judgement', () => {
  it('tells constants from data', () => {
    expect(expressionReadsNoData('2 - 1')).toBe(true);
    expect(expressionReadsNoData('amount')).toBe(false);
    expect(expressionReadsNoData('(select v from (select 1 as v) s)')).toBe(true);
    expect(expressionReadsNoData('(select v from (select amount as v from t) s)')).toBe(false);
    expect(constantOutputsOf('select id, 1 as v from users where id = any($keys)', new Set(['id']))).toEqual(['v']);
    expect(constantOutputsOf('select id, name from users where id = any($keys)', new Set(['id']))).toBeUndefined();
    // A name qualified by a nested scope's alias is judged in that scope.
    expect(expressionReadsNoData('(select b.v from (select a.v from (select 1 as v) a) b)')).toBe(true);
    expect(expressionReadsNoData('(select b.v from (select a.v from (select amount as v from t) a) b)')).toBe(false);
    // A FROM item that reads data does not stop later constant ones from being seen.
    expect(constantOutputsOf('select u.id, k.c from (select id from users) u, (select 1 as c) k where u.id = any($keys)', new Set(['id']))).toEqual(['c']);
  });

  // Each scope's names were judged by re-walking every scope beneath it, so the work doubled with
  // each level: 18 levels took seconds and 25 would hang a check file's load.
  it('judges deeply nested sub-selects in time linear-ish in their depth, with the same answers', () => {
    const started = performance.now();
    expect(expressionReadsNoData(nestedSubselects(24, '1'))).toBe(true);
    expect(expressionReadsNoData(nestedSubselects(24, 'amount'))).toBe(false);
    expect(expressionReadsNoData(nestedSubselects(24, '(select count(*) from payments)'))).toBe(false);
    expect(constantOutputsOf(`select id, ${nestedSubselects(24, '1')} as v from users where id = any($keys)`, new Set(['id']))).toEqual(['v']);
    // Generous: the old walk needed minutes at this depth; the memoized one needs milliseconds.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('judges deeply nested WITH queries the same way', () => {
    let text = '1';
    for (let i = 0; i < 24; i++) text = `(with c${i} as (select ${text} as v${i}) select v${i} from c${i})`;
    expect(expressionReadsNoData(text)).toBe(true);
    expect(expressionReadsNoData(text.replace('select 1 as v0', 'select amount as v0'))).toBe(false);
  });
});

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

// A WITH clause comes after FROM in the parse tree, so a FROM definition reading a WITH query was
// judged before that query's name was known: "reads data", and a never-failing check loaded.
describe('WITH queries are known before the FROM items that read them', () => {
  it('judges a sub-select of a WITH query of constants data-free', () => {
    expect(expressionReadsNoData('(with c as (select 1 as v) select v from (select v from c) x)')).toBe(true);
    expect(expressionReadsNoData('(with c as (select 1 as v) select x.v from (select v from c) x)')).toBe(true);
    expect(expressionReadsNoData('(with c as (select 1 as v) select (select v from (select v from c) x))')).toBe(true);
    expect(constantOutputsOf('with c as (select 1 as v) select id, x.v from users, (select v from c) x where id = any($keys)', new Set(['id']))).toEqual(['v']);
    expect(constantOutputsOf('select id, v from users, (with c as (select 1 as v) select v from (select v from c) y) k where id = any($keys)', new Set(['id']))).toEqual(['v']);
    // Still data when the WITH query reads data.
    expect(expressionReadsNoData('(with c as (select amount as v from t) select v from (select v from c) x)')).toBe(false);
    // A later WITH query of a plain WITH is not visible to an earlier one: `b` is a table there.
    expect(expressionReadsNoData('(with a as (select v from b), b as (select 1 as v) select v from a)')).toBe(false);
  });

  it('judges a recursive WITH query over constants data-free', () => {
    expect(expressionReadsNoData('(with recursive c(n) as (select 1 union all select n + 1 from c where n < 3) select max(n) from c)')).toBe(true);
    expect(expressionReadsNoData('(with recursive a as (select v from b), b as (select 1 as v) select v from a)')).toBe(true);
    expect(expressionReadsNoData('(with recursive c(n) as (select amount from t union all select n + 1 from c where n < 3) select max(n) from c)')).toBe(false);
  });
});

// Names a FROM item gives its columns other than by a select list or an alias list were not
// known, so a constant read through them was "reads data".
describe('columns named by the FROM item itself', () => {
  const CONSTANT = [
    '(select column1 from (values (1)) x)',
    `(select a from json_to_record('{"a":1}') as x(a int))`,
    `(select a from rows from (json_to_record('{"a":1}') as (a int)) x)`,
    '(select ordinality from generate_series(1, 2) with ordinality)',
    `(select a from json_table('[1]', '$[*]' columns (a int path '$')) jt)`,
    `(select jt.a from json_table('[1]', '$[*]' columns (a int path '$')) jt)`,
    `(select a from xmltable('/r' passing '<r/>' columns a int path '.') x)`,
    '(with c as (select 1 as v) select k.v from c as k)',
    '(with c as (select 1 as v) select w from c as k(w))',
    '(select j.v from ((select 1 as v) a cross join (select 2 as w) b) as j)',
    '(select v from ((select 1 as v) a join (select 1 as v) b using (v)) as j)',
    '(select * from (select 1) x)',
    '(with c as (select 1 as v) select * from c)',
  ];
  for (const text of CONSTANT) it(`judges ${text} data-free`, () => { expect(expressionReadsNoData(text)).toBe(true); });

  const READING = [
    '(select column1 from (values (amount)) x)',
    `(select a from json_to_record(payload) as x(a int))`,
    `(select a from json_table(payload, '$[*]' columns (a int path '$')) jt)`,
    `(select a from xmltable('/r' passing doc columns a int path '.') x)`,
    '(select k.v from c as k)',
    '(select j.v from ((select 1 as v) a cross join t) as j)',
    '(select * from t)',
    '(select x from ((select 1 as v) a cross join t) as j)',
    '(select * from (select amount) x)',
    'column1',
  ];
  for (const text of READING) it(`judges ${text} as reading data`, () => { expect(expressionReadsNoData(text)).toBe(false); });
});

describe('a recursive WITH query that reads data', () => {
  it('does not make its names constants for the outputs beside it', () => {
    expect(constantOutputsOf('with recursive c as (select name from users) select id, c.name from users, c where id = any($keys)', new Set(['id']))).toBeUndefined();
    expect(constantOutputsOf('with recursive c(n) as (select 1 union all select n + 1 from c where n < 3) select id, c.n from users, c where id = any($keys)', new Set(['id']))).toEqual(['n']);
  });
});

describe('WITH clauses judged first, deeply nested', () => {
  it('stays linear-ish in depth, with the same answers', () => {
    const nested = (inner: string) => {
      let text = inner;
      for (let i = 0; i < 24; i++) text = `(with c${i} as (select ${text} as v) select v from (select v from c${i}) as x${i}, lateral (select x${i}.v as w) as y${i})`;
      return text;
    };
    const started = performance.now();
    expect(expressionReadsNoData(nested('1'))).toBe(true);
    expect(expressionReadsNoData(nested('amount'))).toBe(false);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

// Columns named by a clause rather than a FROM item: a recursive WITH query's SEARCH and CYCLE
// columns, and a join's USING alias (`join … using (v) as ju`). Both were "reads data".
describe('columns named by SEARCH, CYCLE and a USING alias', () => {
  const recursive = 'with recursive c(n) as (select 1 union all select n + 1 from c where n < 3)';
  it('judges them data-free over constants', () => {
    expect(expressionReadsNoData(`(${recursive} search depth first by n set ord select max(ord) from c)`)).toBe(true);
    expect(expressionReadsNoData(`(${recursive} cycle n set is_cycle using path select bool_or(is_cycle) from c)`)).toBe(true);
    expect(expressionReadsNoData('(select ju.v from (select 1 as v) a join (select 1 as v) b using (v) as ju)')).toBe(true);
    expect(constantOutputsOf('select id, ju.v from users, (select 1 as v) a join (select 1 as v) b using (v) as ju where id = any($keys)', new Set(['id']))).toEqual(['v']);
  });
  it('judges them as data over data', () => {
    expect(expressionReadsNoData('(select ju.v from t a join (select 1 as v) b using (v) as ju)')).toBe(false);
    expect(constantOutputsOf('select id, ju.v from users join (select 1 as v) b using (v) as ju where id = any($keys)', new Set(['id']))).toBeUndefined();
    expect(constantOutputsOf('select id, ju.v from users, (select 1 as v) a join t b using (v) as ju where id = any($keys)', new Set(['id']))).toBeUndefined();
  });
});

// A WITH query that no one reads is not run; one reading data made the whole "reads data", so
// `(with u as (select name from users) select 1)` compared with 1 loaded and could never fail.
describe('a WITH query that reads data but is never read', () => {
  it('leaves the rest data-free', () => {
    expect(expressionReadsNoData('(with u as (select name from users) select 1)')).toBe(true);
    expect(expressionReadsNoData('(with recursive u as (select name from users union select name from u) select 1)')).toBe(true);
    expect(expressionReadsNoData('(with u as (select name from users), c as (select 1 as v) select v from c)')).toBe(true);
  });
  it('reads data as soon as it is read, whatever names outer scopes gave constants', () => {
    expect(expressionReadsNoData('(with u as (select name from users) select count(*) from u)')).toBe(false);
    expect(expressionReadsNoData('(with u as (select name from users), c as (select name from u) select 1 from c)')).toBe(false);
    expect(expressionReadsNoData('(with recursive u as (select name from users union select name from u) select 1 from u)')).toBe(false);
    // `u` names a constant outside, a table of data inside: the inner one wins.
    expect(expressionReadsNoData('(select (with u as (select name from users) select count(*) from u) from (select 1 as x) as u)')).toBe(false);
  });
});

// Names a nested query defines stayed visible around it: `amount` of the row counted as a constant
// because a sub-link's own sub-select named a constant `amount` (a valid check refused).
describe('a nested query keeps its names to itself', () => {
  it('judges a column of the row beside a sub-link as data', () => {
    expect(expressionReadsNoData('amount + (select 0 from (select 1 as amount) x)')).toBe(false);
    expect(expressionReadsNoData('(select amount from (select 1 as v) x union select v from (select 1 as amount) y)')).toBe(false);
    expect(expressionReadsNoData('(select v from (select 1 as v) x where exists (select 1 where x.v = 1))')).toBe(true);
  });
});

// An output without `as` was "cannot be named", so the check loaded; Postgres names it
// (`?column?`, the function's or type's name, a sub-select's column) and compares it by that name.
describe('unnamed outputs of a keyed query', () => {
  const keyed = (outputs: string) => `select ${outputs} from users where id = any($keys)`;
  it('names a constant the way Postgres does, and counts it', () => {
    expect(constantOutputsOf(keyed('id, 1'), new Set(['id']))).toEqual(['?column?']);
    expect(constantOutputsOf(keyed("id, upper('a')"), new Set(['id']))).toEqual(['upper']);
    expect(constantOutputsOf(keyed('id::text, 1::int'), new Set(['id']))).toEqual(['int4']);
    expect(constantOutputsOf(keyed('id, (select 1 as v)'), new Set(['id']))).toEqual(['v']);
    expect(constantOutputsOf(keyed('id, coalesce(null, 1), case when true then 1 end, current_date'), new Set(['id']))).toEqual(['coalesce', 'case', 'current_date']);
  });
  it('still reads data through a column', () => {
    expect(constantOutputsOf(keyed('id, upper(name)'), new Set(['id']))).toBeUndefined();
    expect(constantOutputsOf(keyed('id::text, name::text'), new Set(['id']))).toBeUndefined();
    expect(constantOutputsOf(keyed('id::text, 1'), new Set(['id']))).toEqual(['?column?']);
  });
});

// `x.*` was "cannot be told", so a keyed query selecting the key and every column of a sub-select
// or WITH query of constants loaded and could never fail.
describe('x.* in a keyed query', () => {
  const skip = new Set(['id']);
  it('outputs what the query named x outputs', () => {
    expect(constantOutputsOf('select id, x.* from users, (select 1 as v, 2 as w) x where id = any($keys)', skip)).toEqual(['v', 'w']);
    expect(constantOutputsOf('with c as (select 1 as v) select u.id, k.* from users u, c k where u.id = any($keys)', skip)).toEqual(['v']);
    expect(constantOutputsOf('with c as (select 1 as v) select u.id, c.* from users u join c on true where u.id = any($keys)', skip)).toEqual(['v']);
  });
  it('reads data through a table or a sub-select of data', () => {
    expect(constantOutputsOf('select u.id, u.* from users u where u.id = any($keys)', skip)).toBeUndefined();
    expect(constantOutputsOf('select id, x.* from users, (select name as v from users) x where id = any($keys)', skip)).toBeUndefined();
    expect(constantOutputsOf('select x.* from users x where id = any($keys)', skip)).toBeUndefined();
  });
});

// ORDER BY and GROUP BY may name the query's own outputs; those names were unknown, so a query of
// constants sorted by its output was "reads data" (and a union's, once its branches kept their names).
describe('a query\'s own output names in ORDER BY and GROUP BY', () => {
  it('judges them as what the outputs read', () => {
    expect(expressionReadsNoData('(select 1 as v order by v limit 1)')).toBe(true);
    expect(expressionReadsNoData('(select 1 as v union select 2 order by v limit 1)')).toBe(true);
    expect(expressionReadsNoData('(select v from (select 1 as v) x union all select v from (select 2 as v) y order by v limit 1)')).toBe(true);
    expect(expressionReadsNoData('(select count(*) as n, 1 as v from (select 1) x group by v)')).toBe(true);
    expect(expressionReadsNoData('(select amount as v order by v)')).toBe(false);
    expect(expressionReadsNoData('(values (1) order by column1 limit 1)')).toBe(true);
    expect(expressionReadsNoData('(values (amount) order by column1 limit 1)')).toBe(false);
    expect(expressionReadsNoData('(select 1 as v union select amount order by v limit 1)')).toBe(false);
  });
});

/**
 * An outer join's nullable side holds either a row that met the ON condition or NULL in every
 * column. A WHERE on that side that contradicts its ON and is not true of NULL (`a left join b on
 * a.x = b.x and b.x > 5 where b.x < 3`) is true on no row, whatever the tables hold; the judgement
 * read only the preserved side's ON, at load and in the plan, so such checks passed on any data.
 * Every refused query is run on tables that share values to show it returns no row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { problemsOf } from '../support/load-problems.js';
import { plannedAnswerCases, sqlAssert, type DecidedCase, type PlannedCase } from '../support/planned-answers.js';

beforeAll(async () => { await loadSqlParser(); });

/** Queries no data can make return a row. */
const NEVER = [
  'select a.id from a left join b on a.x = b.x and b.x > 5 where b.x < 3',
  'select a.id from b right join a on a.x = b.x and b.x > 5 where b.x < 3',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where coalesce(b.x < 3, false)',
  'select a.id from a left join b on b.x > 5 where b.x = 1',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where (b.x < 3) is true',
  'select a.id from a left join (b join c on b.x = c.x) on a.x = b.x and c.x > 5 where b.x < 3',
  'select a.id from a left join b on a.x = b.x left join c on c.x = b.x and c.x > 5 where c.x < 3',
  'select a.id from a left join b on a.x = b.x and b.x > 5 left join c on c.x = a.x where b.x < 3 and c.x is not null',
  'select a.id from a left join b as bb on a.x = bb.x and bb.x > 5 where bb.x < 3',
  'select a.id from a left join b on a.x = b.x and b.x between 5 and 9 where b.x not between 0 and 10',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where b.x < 3 or b.x < 0',
  'select a.id from a left join b using (x) where coalesce(b.x < 3, false) and coalesce(a.x > 5, false)',
];

/** Controls: a row can come through (each does on the tables below). */
const REAL = [
  'select a.id from a left join b on a.x = b.x and b.x > 5 where b.x is null',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where b.x is null or b.x < 3',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where a.x < 3',
  'select a.id from a full join b on a.x = b.x and b.x > 5 where b.x < 3',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where coalesce(b.x < 3, true)',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where (b.x < 3) is not false',
  'select a.id from a left join b on a.x = b.x and b.x > 5 where a.x < 3 or b.x > 6',
  'select a.id from a left join (b join c on b.x = c.x) on a.x = b.x and c.x > 5 where b.x > 3',
  'select a.id from a left join b using (x) where coalesce(b.x < 3, false) and coalesce(a.x < 2, false)',
];

describe('outer joins whose nullable side contradicts the WHERE, judged at load', () => {
  for (const query of NEVER) {
    it(`refuses ${query}`, () => {
      expect(problemsOf(sqlAssert(query, '{ rows: 0 }'))).toEqual([expect.stringMatching(/returns exactly 0 rows.*can never fail/)]);
    });
  }
  for (const query of REAL) {
    it(`loads ${query}`, () => {
      expect(problemsOf(sqlAssert(query, '{ rows: 0 }'))).toEqual([]);
    });
  }
  it('keeps a left join to an empty side counting its preserved rows', () => {
    // The outer join's own condition only removes "true"; the row count of what it preserves stays fixed.
    expect(problemsOf(sqlAssert('select 1 from (values (1)) v(x) left join (select 2 as y) e on e.y = v.x where true', '{ rows: 1 }'))).toEqual([expect.stringMatching(/can never fail/)]);
  });
});

/** Only the plan shows these: the outer join sits in a view. */
const PLANNED: Record<string, PlannedCase> = {
  'a view of a left join filtered outside against its ON': ['select id from v_left where coalesce(bx < 3, false)', 'rows: 0'],
  'a count over it': ['select count(*) from v_left where coalesce(bx < 3, false)', 'value: 0'],
  'a view of a right join': ['select id from v_right where coalesce(bx < 3, false)', 'rows: 0'],
  'a sub-select on the nullable side, filtered inside': ['select a.id from a left join (select x from b where x > 5) s on s.x = a.x where s.x < 3', 'rows: 0'],
  'a view of a full join whose both sides are filtered against it': ['select id from v_full where coalesce(bx < 3, false) and coalesce(ax > 7, false)', 'rows: 0'],
};
const DECIDED: Record<string, DecidedCase> = {
  'the view filtered on its NULLs': ['select id from v_left where bx is null', 'rows: 0', 'fail'],
  'the view filtered on what its ON allows': ['select id from v_left where coalesce(bx > 6, false)', 'rows: 0', 'fail'],
};

describe.each(engines)('outer joins in views, judged from the plan, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table a (id int, x int); create table b (id int, x int); create table c (id int, x int);
      insert into a select g, g from generate_series(-2, 9) g; insert into a values (null, null);
      insert into b select g, g from generate_series(-2, 9) g; insert into b values (1, null);
      insert into c select g, g from generate_series(-2, 9) g;
      create view v_left as select a.id, b.x as bx from a left join b on a.x = b.x and b.x > 5;
      create view v_full as select a.id, a.x as ax, b.x as bx from a full join b on a.x = b.x and b.x > 5 and a.x < 0;
      create view v_right as select a.id, b.x as bx from b right join a on a.x = b.x and b.x > 5;
    `);
  });
  afterAll(() => db?.close());
  plannedAnswerCases(() => db, PLANNED, DECIDED);

  it('every refused query returns no row, every control returns one', async () => {
    for (const query of NEVER) expect((await db.exec(query)).length, query).toBe(0);
    for (const query of REAL) expect((await db.exec(query)).length, query).toBeGreaterThan(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { figureColumnName } from '../../src/sql/output-name.js';
import { loadSqlParser, parseSql } from '../../src/sql/parser.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

beforeAll(loadSqlParser);

const UNNAMED = [
  '1', "upper('a')", '(select 1 as v)', '(select x from (select 1 as x) s)', '(select 1)', "(select upper('a'))",
  '1::int', "'a'::text", '1::int::text', "cast('1' as numeric(3, 1))", "('{1}'::int[])[1]", '(row(1, 2)).f1',
  'coalesce(null, 1)', 'case when true then 1 end', 'current_date', 'current_user', 'localtimestamp', 'current_time(3)',
  'array[1]', 'row(1)', 'exists (select 1)', 'array(select 1)', 'nullif(1, 2)', 'greatest(1, 2)', 'least(1, 2)',
  '-1', '1 + 1', 'true and false', `'a' collate "C"`, '(1)', 'xmlelement(name a)', '1 is null', '1 in (1)', "'a' like 'b'",
];

// The name a keyed query's unnamed output is compared under must be the server's, or a constant
// output could pass for the key (or an ignored field) and a never-failing check load.
describe.each(engines)('unnamed output names against %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(() => db.close());

  it('names every unnamed value as the server does', async () => {
    for (const text of UNNAMED) {
      const parsed = parseSql(`select ${text}`);
      if (parsed.kind !== 'parsed') throw new Error(`did not parse: ${text}`);
      const value = (parsed.tree as { stmts: { stmt: { SelectStmt: { targetList: { ResTarget: { val: unknown } }[] } } }[] }).stmts[0]!.stmt.SelectStmt.targetList[0]!.ResTarget.val;
      const [row] = await db.exec(`select ${text}`);
      expect(figureColumnName(value), text).toBe(Object.keys(row ?? {})[0]);
    }
  });
});

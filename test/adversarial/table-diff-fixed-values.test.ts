/**
 * table_diff maps an old column to a new expression (`columns: { name: "…" }`). An expression fixed
 * whatever its inputs — `left(name_v2, 0) || 'x'`, `case when name_v2 > 'm' then 'x' else 'x' end`,
 * `coalesce(n2, 0) * 0` — reads the new column in the plan (so the lineage rule finds the sides
 * apart) but compares one value on every row: the diff passed wherever the old column held that
 * value, whatever the new column held (failed on the old code with a pass). Each mapped value is
 * now probed as column_parity's are (lineage/fixed-values.ts): `fixed_value`, never a pass.
 * Controls: bare columns (no probe), and real expressions over the new columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

// The old column holds one value; the new columns hold anything but it: every row differs.
const FIXTURE = `
  create table o (id int primary key, name text, n int);
  create table n (id int primary key, name_v2 text, n2 int, first text, last text);
  insert into o select g, 'x', 0 from generate_series(1, 20) g;
  insert into n select g, 'real name ' || g, g, 'x', '' from generate_series(1, 20) g;
`;

const diff = (columns: string) => `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, columns: { ${columns} } }
`;

const FIXED: Record<string, string> = {
  'a prefix of length 0 and a constant': `name: "left(name_v2, 0) || 'x'"`,
  'a case whose branches agree': `name: "case when name_v2 > 'm' then 'x' else 'x' end"`,
  'a number times 0': `n: "coalesce(n2, 0) * 0"`,
  'one fixed column beside a real one': `name: "substr(name_v2, 1, 0) || 'x'", n: "n2 - n2"`,
};

describe.each(engines)('table_diff mapping a column to a value fixed whatever its inputs, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db.close());

  for (const [name, columns] of Object.entries(FIXED)) {
    it(`${name} is never a pass`, async () => {
      const result = await runCheck(db, diff(columns));
      expect({ status: result.status, code: result.error?.code }, result.summary).toEqual({ status: 'error', code: 'fixed_value' });
    });
  }

  it('still compares a real expression of the new columns (and fails on these rows)', async () => {
    const result = await runCheck(db, diff(`name: "first || last"`));
    expect(result.status, result.summary).toBe('pass');
    const differing = await runCheck(db, diff(`name: "upper(name_v2)"`));
    expect(differing.status, differing.summary).toBe('fail');
  });
});

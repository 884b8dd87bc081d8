/**
 * The fixed-value probe (kinds/lineage/fixed-values.ts) evaluates a compared value over inputs the
 * data never held. A value that errors on such an input shows nothing by it; but a fault of the
 * session itself — a statement timeout, a lost connection — is "could not verify", and the check's
 * result must say so (`error`) instead of blaming the value (`fixed_value`, a failure that tells
 * the user their migration or check is wrong). On the old code every probe error was swallowed, and
 * a value whose varied inputs all ran past statement_timeout was reported as fixed_value (not on
 * every run: which statement met the limit first varied with the machine's load).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/databases.js';
import { runCheckFile } from '../../support/run-check.js';

// Every row holds 'Ann': the real rows show one value, so the probe varies the input. On any
// value but 'Ann' the expression counts a billion rows — far past the source's 300ms limit.
const SLOW_OFF_DATA = "case when name = 'Ann' then name else (select count(*)::text from generate_series(1, 1000000000)) end";

describe.each(['postgres'] as const)('fixed-value probe faults (%s)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table u (id int primary key, name text, name_v2 text);
      insert into u select g, 'Ann', 'Ann' from generate_series(1, 40) g;
    `);
  });
  afterAll(() => db?.close());

  const file = (value: string) => `
sources:
  app: { url: "${db.url}", statement_timeout: 300ms }
checks:
  - { id: c, kind: column_parity, source: app, table: u, key: [id], old: "${value}", new: name_v2 }
`;

  it('a statement timeout while probing is an error (timeout), not a fixed value', async () => {
    const result = await runCheckFile(db, file(SLOW_OFF_DATA));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('timeout');
  });
});

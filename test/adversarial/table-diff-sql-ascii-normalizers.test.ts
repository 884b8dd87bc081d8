/**
 * The whitespace normalisers bind their character set (space, tab, …, U+00A0) as UTF-8 text. A
 * SQL_ASCII database — the legacy setup that stores UTF-8 text without checking it — reads that
 * text byte by byte, so `[ …\xC2\xA0]+` in collapse_whitespace matches the bytes 0xC2 and 0xA0
 * wherever they occur: the lead byte of © (C2 A9) becomes a space, and 'x©' collapses to the very
 * bytes 'x ©' does. Both sides in SQL_ASCII agree on the encoding, so the fast row hash hashes
 * those bytes unchecked, and a table_diff whose values differ by a space passed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describeOnPostgres('table_diff normalisers in a SQL_ASCII database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres', { template: "template0 encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C'" });
    await db.exec(`create table o (id int primary key, v text); create table n (id int primary key, v text);
      insert into o select g, 'x©' from generate_series(1, 30) g; insert into n select g, 'x ©' from generate_series(1, 30) g;`);
  });
  afterAll(() => db?.close());

  it('never passes values that differ by a space under collapse_whitespace', async () => {
    // Unnormalised the pair differs; collapse_whitespace leaves 'x©' as it is and 'x ©' as it is.
    expect((await runCheck(db, `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n } }
`)).status).toBe('fail');
    const result = await runCheck(db, `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, normalize: { v: [collapse_whitespace] } }
`);
    expect(result.status, result.summary).not.toBe('pass');
  });
});

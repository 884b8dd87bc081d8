/**
 * The classes of table-diff-reg-types, table-diff-xml-containers and
 * table-diff-sql-ascii-normalizers, in the kinds that share table_diff's rendering: column_parity
 * compares values by their text in SQL, shadow_read by `to_json(row)` text. Object identifiers
 * print through the session's search_path, xml in containers (and in JSON) loses its declaration,
 * and a SQL_ASCII server read the no-break space's bytes as whitespace. Each is "could not verify"
 * (or, for SQL_ASCII, normalised with ASCII whitespace only), never a pass; the codes are asserted.
 * Postgres only (PGlite is built without libxml; SQL_ASCII needs a database of its own).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const DECLARED = `<?xml version="1.0" encoding="ISO-8859-1"?><a>1</a>`;
const BARE = '<a>1</a>';

describeOnPostgres('column_parity and shadow_read over object identifiers and xml', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`create schema sa; create schema sb; create table sa.target (x int); create table sb.target (x int);
      create type xw as (x xml);
      create table o (id int primary key, r regclass, k regclass, x xml, a xml[], c xw, rr regrole);
      create table n (id int primary key, r regclass, k regclass, x xml, a xml[], c xw, rr regrole);
      insert into o select g, 'sa.target', 'sa.target', '${DECLARED}', array['${DECLARED}'::xml], row('${DECLARED}'::xml)::xw, 'postgres' from generate_series(1, 80) g;
      insert into n select g, 'sb.target', 'sa.target', '${BARE}', array['${BARE}'::xml], row('${BARE}'::xml)::xw, 'postgres' from generate_series(1, 80) g;`);
  });
  afterAll(() => db?.close());

  const parity = (old: string, fresh: string) => runCheck(db, `checks:
  - { id: p, kind: column_parity, source: app, key: [id], old: { table: o, expr: "${old}" }, new: { table: n, expr: "${fresh}" } }
`);
  const shadow = (column: string) => runCheck(db, `checks:
  - id: s
    kind: shadow_read
    key: [id]
    sample: { size: 80, from: { source: app, table: o } }
    old: { source: app, query: "select id, ${column} from o where id = any($keys)" }
    new: { source: app, query: "select id, ${column} from n where id = any($keys)" }
    max_mismatch_rate: 0.05
`);

  it('column_parity refuses an object identifier, even one naming the same table on both sides', async () => {
    // One session: sb.target prints qualified there, but an identifier's text is never compared.
    for (const [old, fresh] of [['k', 'k'], ['array[k]', 'array[k]']]) {
      const result = await parity(old!, fresh!);
      expect([result.status, result.error?.code], `${old} / ${fresh}`).toEqual(['error', 'object_identifier']);
    }
  });

  it('column_parity refuses xml inside containers', async () => {
    for (const column of ['a', 'c']) {
      const result = await parity(column, column);
      expect([result.status, result.error?.code], column).toEqual(['error', 'xml_in_container']);
    }
  });

  it('column_parity still compares names that need no schema (regrole)', async () => {
    expect((await parity('rr', 'rr')).status).toBe('pass');
  });

  it('shadow_read refuses object identifiers and any xml (rows are read as JSON)', async () => {
    const identifier = await shadow('k');
    expect([identifier.status, identifier.error?.code], identifier.summary).toEqual(['error', 'object_identifier']);
    for (const column of ['x', 'a', 'c']) {
      const result = await shadow(column);
      expect([result.status, result.error?.code], column).toEqual(['error', 'xml_in_container']);
    }
    const role = await shadow('rr');
    expect(role.status, role.summary).toBe('pass');
  });

  it('table_diff names the class it refuses', async () => {
    const diff = (column: string) => runCheck(db, `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, columns: { ${column}: ${column} } }
`);
    expect((await diff('k')).error?.code).toBe('object_identifier');
    expect((await diff('a')).error?.code).toBe('xml_in_container');
    expect((await diff('x')).status).toBe('fail');
    const normalised = await runCheck(db, `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, columns: { k: k }, normalize: { k: [empty_as_null] } }
`);
    expect(normalised.error?.code).toBe('object_identifier');
  });
});

describeOnPostgres('column_parity normalisers in a SQL_ASCII database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres', { template: "template0 encoding 'SQL_ASCII' lc_collate 'C' lc_ctype 'C'" });
    // v: 'x©' (78 C2 A9) against 'x ©'; w: '©x' (C2 A9 78) against the lone byte A9 and x.
    await db.exec(`create table o (id int primary key, v text, w text); create table n (id int primary key, v text, w text);
      insert into o select g, 'x©', '©x' from generate_series(1, 30) g; insert into n select g, 'x ©', E'\\xA9x' from generate_series(1, 30) g;`);
  });
  afterAll(() => db?.close());

  const parity = (column: string, normalize: string) => runCheck(db, `checks:
  - { id: p, kind: column_parity, source: app, key: [id], old: { table: o, expr: ${column} }, new: { table: n, expr: ${column} }, normalize: [${normalize}] }
`);

  it('never reads the bytes of a multi-byte character as whitespace', async () => {
    // collapse_whitespace made C2 a space ('x©' was 'x ©'); trim cut C2 from an edge ('©x' was A9 x).
    for (const [column, normalize] of [['v', 'collapse_whitespace'], ['w', 'trim'], ['v', 'trim, collapse_whitespace']]) {
      const result = await parity(column!, normalize!);
      // (A lone A9 is no UTF-8 a client can read back as a sample: that pair may end "could not verify".)
      expect(result.status, `${column} ${normalize}: ${result.summary}`).not.toBe('pass');
    }
  });

  it('still collapses and trims ASCII whitespace there', async () => {
    await db.exec(`update o set v = ' a  b '; update n set v = 'a b'`);
    expect((await parity('v', 'trim, collapse_whitespace')).status).toBe('pass');
  });
});

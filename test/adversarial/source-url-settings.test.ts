/**
 * A source URL's query parameters reach the server as startup parameters, and postgres.js sends
 * them over the settings parity gives every connection itself: `client_encoding=UTF8` and
 * `default_transaction_read_only=on` (an empty value deletes parity's setting outright). Before
 * the fix `?client_encoding=LATIN1` loaded, and a shadow_read whose old path says 'café' and whose
 * new path says 'cafè' passed over 400 keys: both came back as bytes postgres.js decodes as UTF-8,
 * each accented letter one U+FFFD. `?default_transaction_read_only=` loaded too and opened every
 * session of the source with read-only off (only the per-transaction READ ONLY was left).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem, type SpecProblem } from '../../src/checkfile/problems.js';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

const SHADOW_READ = `checks:
  - id: names
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: app, table: old_names } }
    old: { source: app, query: "select id, name from old_names where id = any($keys)" }
    new: { source: app, query: "select id, name from new_names where id = any($keys)" }
    max_mismatch_rate: 0.01
`;

/** The problems of a check file whose one source has this URL (none: it loaded). */
function problemsFor(url: string): SpecProblem[] {
  const parsed = parseCheckFile(`sources:\n  app: { url: ${JSON.stringify(url)} }\n${SHADOW_READ}`, 'x.yaml', {}, { osUser: 'osuser' });
  if (Array.isArray(parsed)) return parsed;
  const catalog = buildCatalog([parsed]);
  return Array.isArray(catalog) ? catalog : [];
}

it('refuses, at the url, every parameter that would replace the encoding parity reads in', () => {
  for (const query of ['client_encoding=LATIN1', 'CLIENT_ENCODING=latin1', 'Client_Encoding=WIN1252', 'client_encoding=', 'client_encoding=SQL_ASCII']) {
    const problems = problemsFor(`postgres://u@h/db?${query}`);
    expect(problems.map(formatProblem), query).toEqual([expect.stringMatching(/^x\.yaml:2:\d+: sources\.app\.url: url parameter "client_encoding" .*UTF8/i)]);
  }
});

it('refuses, at the url, every spelling that would take read-only off the connection', () => {
  for (const query of [
    'default_transaction_read_only=', 'DEFAULT_TRANSACTION_READ_ONLY=off', 'transaction_read_only=',
    // Postgres reads "-" in an option's name as "_" and drops a backslash before any character.
    'options=-c%20default-transaction-read-only%3Doff', 'options=-c%20default_transaction_read%5C_only%3Doff', 'options=--default-transaction-read-only%3Doff',
  ]) {
    const problems = problemsFor(`postgres://u@h/db?${query}`);
    expect(problems.map(formatProblem), query).toEqual([expect.stringMatching(/^x\.yaml:2:\d+: sources\.app\.url: url parameter .*read-only/)]);
  }
  expect(problemsFor('postgres://u@h/db?application_name=x&options=-c%20work_mem%3D8MB')).toEqual([]);
});

describeOnPostgres('the encoding and read-only default a source reads with, on postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`
      create table old_names (id int primary key, name text not null);
      create table new_names (id int primary key, name text not null);
      insert into old_names select g, 'café' from generate_series(1, 400) g;
      insert into new_names select g, 'cafè' from generate_series(1, 400) g;
    `);
  });
  afterAll(() => db?.close());

  it('a shadow_read over é against è fails as read, and the URL that made it pass does not load', async () => {
    const catalog = catalogFromYaml(SHADOW_READ, { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      const result = await execute(catalog.checks.get('names')!, registry);
      expect(result.status).toBe('fail');
      expect(result.summary).toContain('400 mismatching');
    } finally {
      await registry.closeAll();
    }
    const latin1 = `${db.url}${db.url.includes('?') ? '&' : '?'}client_encoding=LATIN1`;
    expect(() => catalogFromYaml(SHADOW_READ, { app: { ...db, url: latin1 } })).toThrow(/url parameter "client_encoding"/);
  });

  it('every session of a URL that loads is read-only by default and speaks UTF8', async () => {
    const check = `checks:
  - id: session
    kind: sql_assert
    source: app
    query: "select 1 from pg_catalog.pg_namespace where nspname = 'parity_never' or current_setting('default_transaction_read_only') <> 'on' or current_setting('client_encoding') <> 'UTF8'"
`;
    for (const query of ['application_name=x', 'options=-c%20client_encoding%3DLATIN1', 'options=-c%20default_transaction_read%5Fonly%3Don']) {
      const url = `${db.url}${db.url.includes('?') ? '&' : '?'}${query}`;
      let catalog;
      try {
        catalog = catalogFromYaml(check, { app: { ...db, url } });
      } catch {
        continue; // refused at load: nothing reads through it
      }
      const registry = registryForCatalog(catalog, { app: db });
      try {
        expect((await execute(catalog.checks.get('session')!, registry)).status, query).toBe('pass');
      } finally {
        await registry.closeAll();
      }
    }
  });
});

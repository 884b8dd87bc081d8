/**
 * More settings a database, a role or a source URL may carry that change what a read returns:
 * `default_text_search_config` decides what `to_tsvector(text)`, `to_tsquery(text)` and
 * `text @@ tsquery` mean (english drops "the" as a stop word, simple keeps it), `xmloption`
 * what `xml_is_well_formed` accepts, and `xmlbinary` how a bytea is written inside XML. A check's
 * verdict followed whichever value parity's session inherited — an `ALTER DATABASE … SET` turned a
 * failing check into a pass. Reads now pin them (with lc_numeric and lc_time, which to_char and
 * to_number read; no second locale is installed here to show those).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type EngineName, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** A table of text, bytea and an XML fragment in a database (Postgres) or session (PGlite) carrying `hostile`. */
function withHostileSettings(engine: EngineName, hostile: Record<string, string>): { expectZero: (query: string) => ReturnType<typeof runCheck> } {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table docs (id int primary key, body text, payload bytea, fragment text);
      insert into docs values (1, 'the end', '\\x0102', 'abc');`);
    if (engine === 'postgres') {
      const name = new URL(db.url).pathname.slice(1);
      for (const [setting, value] of Object.entries(hostile)) await db.exec(`alter database ${name} set ${setting} = '${value}'`);
    } else {
      // PGlite has one session, which parity's reads share.
      for (const [setting, value] of Object.entries(hostile)) await db.exec(`set ${setting} = '${value}'`);
    }
  });
  afterAll(() => db.close());
  return {
    expectZero: (query: string) => runCheck(db, `checks:
  - { id: q, kind: sql_assert, source: app, query: "${query}", expect: { value: 0 } }
`),
  };
}

describe.each(engines)('settings that change what text search returns, on %s', (engine) => {
  const { expectZero } = withHostileSettings(engine, { default_text_search_config: 'pg_catalog.english' });

  it('to_tsvector(text) and to_tsquery(text) read the pinned configuration, not the database\'s', async () => {
    // Under english, "the" is a stop word: the query matches nothing and the check passed.
    const result = await expectZero(`select count(*) from docs where to_tsvector(body) @@ to_tsquery('the')`);
    expect(result.status).toBe('fail');
    const implicit = await expectZero(`select count(*) from docs where body @@ plainto_tsquery('the')`);
    expect(implicit.status).toBe('fail');
  });
});

// PGlite is built without libxml: XML functions exist only on Postgres.
describeOnPostgres('settings that change what XML returns, on postgres', () => {
  const { expectZero } = withHostileSettings('postgres', { xmloption: 'document', xmlbinary: 'hex' });

  it('xml_is_well_formed and bytea inside XML read the pinned settings', async () => {
    // Under xmloption=document a fragment is not well formed; under content (the default) it is.
    expect((await expectZero(`select count(*) from docs where xml_is_well_formed(fragment)`)).status).toBe('fail');
    // base64 of 0x0102 is AQI=; under xmlbinary=hex the element holds 0102.
    expect((await expectZero(`select count(*) from docs where xmlforest(payload)::text like '%AQI=%'`)).status).toBe('fail');
  });
});

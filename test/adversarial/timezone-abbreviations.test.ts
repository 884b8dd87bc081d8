/**
 * `timezone_abbreviations` decides what a time zone abbreviation in a literal means, and a database
 * or role may set it (`ALTER DATABASE … SET timezone_abbreviations = 'Australia'`, which the
 * Postgres manual suggests to Australian users): there `'2024-06-01 00:00 EST'` is 10 hours east of
 * UTC, elsewhere 5 hours west. Reads pinned TimeZone and DateStyle but not this, so one check file
 * meant two instants on two servers: a row_count whose old side read one and whose new side read
 * the other compared two different windows, and passed while the new table lacked rows under either
 * reading; a null_check passed over a NULL inside the window the file names. Reads now pin the
 * default set, as every server reads it unless told otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';

/** 15 hours apart: US Eastern (-05) under the default set, Australian Eastern (+10) under 'Australia'. */
const CUTOFF = "'2024-06-01 00:00 EST'";
/** Hourly rows from 2024-05-31 00:00 UTC: 14 before the Australian reading of CUTOFF, all 20 before the default one. */
const hourly = (hours: number[]) => `insert into orders select h, timestamptz '2024-05-31 00:00+00' + h * interval '1 hour', 'paid' from unnest(array[${hours.join(',')}]) h`;

/** Sets the abbreviations a database's sessions start with (PGlite has one session, which parity's reads share). */
async function useAustralianAbbreviations(db: TestDatabase): Promise<void> {
  if (db.engine === 'postgres') await db.exec(`alter database ${new URL(db.url).pathname.slice(1)} set timezone_abbreviations = 'Australia'`);
  else await db.exec(`set timezone_abbreviations = 'Australia'`);
}

describe.each(engines)('time zone abbreviations in a check file on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table orders (id int primary key, created_at timestamptz not null, status text);
      ${hourly(Array.from({ length: 20 }, (_, h) => h))}; update orders set status = null where id = 17`);
    await useAustralianAbbreviations(db);
  });
  afterAll(() => db.close());

  it('a null_check reads the abbreviation as the default set does, whatever the database says', async () => {
    const result = await runCheck(db, `checks:
  - { id: paid, kind: null_check, source: app, table: orders, columns: [status], where: "created_at < ${CUTOFF}" }
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows: 20, rows_with_nulls: 1 });
  });
});

describeOnPostgres('time zone abbreviations across two databases', () => {
  let legacy: TestDatabase;
  let app: TestDatabase;
  beforeAll(async () => {
    [legacy, app] = await Promise.all([createTestDatabase('postgres'), createTestDatabase('postgres')]);
    const table = 'create table orders (id int primary key, created_at timestamptz not null, status text)';
    // The new table lacks 7 of the 20 orders before the cutoff (and 1 of the 14 before the Australian reading).
    await legacy.exec(`${table}; ${hourly(Array.from({ length: 20 }, (_, h) => h))}`);
    await app.exec(`${table}; ${hourly([...Array.from({ length: 13 }, (_, h) => h), 15])}`);
    await useAustralianAbbreviations(legacy);
  });
  afterAll(async () => {
    await Promise.all([legacy.close(), app.close()]);
  });

  it('a row_count never compares two windows: both sides read the cutoff as one instant', async () => {
    const yaml = `checks:
  - id: orders-count
    kind: row_count
    old: { source: legacy, table: orders, where: "created_at < ${CUTOFF}" }
    new: { source: app, table: orders, where: "created_at < ${CUTOFF}" }
`;
    const catalog = catalogFromYaml(yaml, { legacy, app });
    const registry = registryForCatalog(catalog, { legacy, app });
    try {
      const result = await execute([...catalog.checks.values()][0]!, registry);
      expect(result.status).toBe('fail');
      expect(result.observations).toMatchObject({ old_rows: 20, new_rows: 14 });
    } finally {
      await registry.closeAll();
    }
  });
});

/**
 * A chunked scan reads key ranges in separate transactions, so it is exact only if no primary key
 * is updated while it runs: a row whose key moves from a range not yet read into one already read
 * is never counted. Nothing can see that happen; the result must say what it assumed — here a
 * chunked null_check passes over a NULL it never saw, and its observations state the assumption.
 * One transaction (a single chunk) or one snapshot (`snapshot: consistent`) assumes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS_ASSUMED_STABLE } from '../../src/kinds/scan-facts.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';
import { watchedSources } from '../support/watched-sources.js';

describe.each(engines)('chunked scans and primary-key updates on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  const seed = async () => {
    // Row 950 holds the only NULL; it is moved to key 0 (already read) after the first chunk.
    await db.exec(`drop table if exists t; create table t (id int primary key, x int);
      insert into t select g, case when g = 950 then null else g end from generate_series(1, 1000) g`);
  };

  async function run(scan: Record<string, unknown>, moveAfterFirstChunk = false) {
    const catalog = catalogFromYaml('checks:\n  - { id: nulls, kind: null_check, source: app, table: t, columns: [x] }\n', { app: db });
    // target_chunk_ms 1 keeps chunks near chunk_rows (they grow only when faster than that).
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, target_chunk_ms: 1, pause_ms: 0, ...scan });
    const registry = registryForCatalog(catalog, { app: db });
    let chunks = 0;
    let write: Promise<unknown> | undefined;
    // The application's write lands between chunks. On Postgres it commits before the second chunk
    // reads; PGlite has one connection, so there it runs as soon as the second chunk's transaction
    // ends (before the third chunk; the first two hold the first ~200 keys, never key 950).
    const watched = watchedSources(registry, async (_session, statement) => {
      if (!moveAfterFirstChunk || !statement.text.startsWith('select count(*)')) return;
      if (++chunks !== 2) return;
      write = db.exec('update t set id = 0 where id = 950');
      if (engine === 'postgres') await write;
    });
    try {
      return await execute([...catalog.checks.values()][0]!, watched);
    } finally {
      await write;
      await registry.closeAll();
    }
  }

  it('states the assumption in every result read in more than one transaction', async () => {
    await seed();
    const result = await run({});
    expect(result.status).toBe('fail');
    expect(result.observations.assumption).toBe(KEYS_ASSUMED_STABLE);
  });

  it('a key moved behind the read position hides its row, and the pass says what it assumed', async () => {
    await seed();
    const result = await run({}, true);
    // The wrong pass this assumption allows, shown on purpose: 999 rows counted, the NULL unseen.
    expect(result.status).toBe('pass');
    expect(result.observations).toMatchObject({ rows: 999, assumption: KEYS_ASSUMED_STABLE });
  });

  it('assumes nothing when one snapshot reads every chunk, or one chunk the whole table', async () => {
    await seed();
    // The same key update during a consistent scan: its snapshot still holds the NULL row.
    const consistent = await run({ snapshot: 'consistent' }, true);
    expect(consistent.status).toBe('fail');
    expect(consistent.observations.assumption).toBeUndefined();
    await seed();
    const whole = await run({ chunk_rows: 100000 });
    expect(whole.status).toBe('fail');
    expect(whole.observations.assumption).toBeUndefined();
  });
});

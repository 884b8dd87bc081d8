/**
 * A shadow read describes its SQL paths' column types once, before the first batch, and widens a
 * real against a double from that description (float-widths.ts). A column narrowed to `real` after
 * the description (`ALTER COLUMN … TYPE real` between batches) was read with the casts chosen at the
 * start: real 0.1 printed `0.1` as the old double did, and a migration narrowing its doubles while
 * the check ran passed. Each batch statement now proves every column still has the type it was
 * described with; one that changed is "could not verify" (`types_changed`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';
import type { SourceRegistry } from '../../src/sources/registry.js';

const check = (table: string) => `
checks:
  - id: types-mid-run
    kind: shadow_read
    key: [id]
    sample: { size: 200, from: { source: app, table: ${table}_old } }
    old: { source: app, query: "select id, v from ${table}_old where id = any($keys)" }
    new: { source: app, query: "select id, v from ${table}_new where id = any($keys)" }
    max_mismatch_rate: 0.05
    batch_size: 20
`;

describe.each(engines)('shadow_read column types changed while it runs on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    for (const table of ['tm_a', 'tm_b', 'tm_c']) {
      await db.exec(`create table ${table}_old (id int primary key, v double precision);
        insert into ${table}_old select g, g / 10.0 from generate_series(1, 400) g;
        create table ${table}_new as select * from ${table}_old; alter table ${table}_new add primary key (id)`);
    }
  });
  afterAll(() => db?.close());

  /** Runs the check; after the first read transaction that read a batch has ended, runs `change` once. */
  async function runChanging(table: string, change: string) {
    const catalog = catalogFromYaml(check(table), { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    let changed: Promise<void> | undefined;
    const changing: SourceRegistry = { ...registry, get: async (name) => {
      const source = await registry.get(name);
      return { ...source, readOnly: async (work, options) => {
        let batch = false;
        const result = await source.readOnly((session) => work({ ...session, query: (statement) => {
          if (statement.text.includes('__parity_row')) batch = true;
          return session.query(statement);
        } }), options);
        if (batch && changed === undefined) changed = db.exec(change).then(() => undefined);
        await changed;
        return result;
      } };
    } };
    try {
      return await execute([...catalog.checks.values()][0]!, changing);
    } finally {
      await registry.closeAll();
    }
  }

  it('does not pass a new column narrowed to real between batches', async () => {
    const result = await runChanging('tm_a', 'alter table tm_a_new alter column v type real');
    expect(result.status, result.summary).toBe('error');
    expect(result.error?.code, result.summary).toBe('types_changed');
  });

  it('does not pass an old column narrowed to real between batches', async () => {
    const result = await runChanging('tm_b', 'alter table tm_b_old alter column v type real');
    expect(result.status, result.summary).toBe('error');
    expect(result.error?.code, result.summary).toBe('types_changed');
  });

  it('passes when nothing changes the types (control)', async () => {
    const result = await runChanging('tm_c', 'select 1');
    expect(result.status, result.summary).toBe('pass');
  });
});

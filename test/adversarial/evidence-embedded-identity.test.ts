/**
 * An embedded source is named `embedded:NAME`, and the definition hash covers that name alone; the
 * database it reaches lives under the data directory (PARITY_DATA_DIR), which no hash covers. The
 * server identity a result records does not tell two embedded databases apart either: every one is
 * made from one cached template, so each has the same system identifier, timeline, database name
 * and oid. A pass read from one data directory therefore opens the gate of a parity whose
 * `embedded:app` is another database under another data directory, sharing the state store (a
 * data directory moved or replaced with the store on DATABASE_URL, or two deployments of one check
 * file writing to one store) — where the check would fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import type { Store } from '../../src/store/store.js';

const YAML = `
checks:
  - { id: users-have-email, kind: sql_assert, source: app, query: "select id from users where email is null" }
migrations:
  - id: users-email
    phases:
      - name: contract
        requires: [users-have-email]
        max_age: 1h
`;

describe('gate evidence about an embedded database under another data directory, on pglite', () => {
  let store: Store;
  let closeStore: () => Promise<void>;
  let before: GateWorld;
  let after: GateWorld;
  beforeAll(async () => {
    ({ store, close: closeStore } = await createTestStore('pglite'));
    // One store: the second world never closes it (the first does, last).
    const kept = Object.create(store, { close: { value: async () => {} } }) as Store;
    before = await createGateWorld('pglite', { yaml: YAML, seedSql: "create table users (id int primary key, email text); insert into users values (1, 'a@x');", store: kept });
    after = await createGateWorld('pglite', { yaml: YAML, seedSql: "create table users (id int primary key, email text); insert into users values (1, null);", store: kept });
  });
  afterAll(async () => {
    await after?.close();
    await before?.close();
    await closeStore?.();
  });

  it("a pass read under one data directory never opens the gate of the other directory's database", async () => {
    // One source name, one definition; the check finds a null email only in the second database.
    expect(before.db.url).toBe(after.db.url);
    expect(before.db.dataDir).not.toBe(after.db.dataDir);
    expect(before.catalog().checks.get('users-have-email')!.hash).toBe(after.catalog().checks.get('users-have-email')!.hash);
    expect(await after.db.exec('select count(*)::int as n from users where email is null')).toEqual([{ n: 1 }]);
    await before.run();
    expect((await before.gates.decide('users-email', 'contract')).allowed).toBe(true);
    const decision = await after.gates.decide('users-email', 'contract');
    expect(decision.allowed).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';

const SEED = `
  create table users (id int primary key, full_name text, first_name text, last_name text);
  insert into users values (1, 'Ada Lovelace', 'Ada', 'Lovelace');
  create view user_export as select id, full_name from users;`;

const YAML = `
checks:
  - id: full-name-unused
    kind: unused
    source: app
    columns: [public.users.full_name]
    window: 24h
    ignore: { roles: [postgres] }
migrations:
  - id: users-split-name
    phases:
      - name: contract
        requires: [full-name-unused]
`;

describe.each(engines)('contract gate requiring unused on %s (no pg_stat_statements)', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: SEED });
  }, 60_000);
  afterAll(() => world.close());

  it('is denied naming a hidden reader, and stays denied (could not verify) once it is gone', async () => {
    const denied = await world.gates.decide('users-split-name', 'contract', { refresh: true, requestedBy: 'ci' });
    expect(denied.allowed).toBe(false);
    expect(denied.reasons).toEqual([expect.stringMatching(/^check "full-name-unused" failed: still used: view user_export depends on public\.users\.full_name/)]);

    await world.db.exec('drop view user_export');
    const stillDenied = await world.gates.decide('users-split-name', 'contract', { refresh: true, requestedBy: 'ci' });
    expect(stillDenied.allowed).toBe(false);
    expect(stillDenied.reasons).toEqual([expect.stringMatching(/^check "full-name-unused" could not verify: statement_stats_unavailable: /)]);
  }, 60_000);
});

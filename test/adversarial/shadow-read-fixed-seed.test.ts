/**
 * A shadow_read with `sample.seed` draws the same keys on every run while the data stands still.
 * Its failing result lists the mismatching keys; repair exactly those and the next run, on the
 * same keys, passes — a "statistical" pass about keys chosen by the previous outcome, not at
 * random — and the gate allowed while a fifth of the rows still differed. A seeded sample is for
 * replaying a run, never gate evidence. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';

const SEED = `create table users_old (id int primary key, name text);
  create table users_new (id int primary key, name text);
  insert into users_old select g, 'user ' || g from generate_series(1, 2000) g;
  insert into users_new select g, case when g % 5 = 0 then 'wrong' else 'user ' || g end from generate_series(1, 2000) g;`;

const check = (id: string, seed: string) => `
  - id: ${id}
    kind: shadow_read
    key: [id]
    sample: { size: 60, from: { source: app, table: users_old }${seed} }
    old: { source: app, query: "select id, name from users_old where id = any($keys)" }
    new: { source: app, query: "select id, name from users_new where id = any($keys)" }
    max_mismatch_rate: 0.1
    confidence: 0.9
    samples: 1000`;

const YAML = `
checks:${check('seeded', ', seed: 42')}${check('drawn', '')}
migrations:
  - id: users-name
    phases:
      - { name: seeded, requires: [seeded], max_age: 1h }
      - { name: drawn, requires: [drawn], max_age: 1h }
`;

describe.each(engines)('shadow_read with a fixed seed as gate evidence on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: SEED });
  });
  afterAll(() => world?.close());

  it('does not open a gate on a pass drawn from a fixed seed after repairing the keys it showed', async () => {
    await world.run(['seeded']);
    const [failed] = await world.store.checkHistory('seeded', 1);
    expect(failed!.status).toBe('fail');
    const shown = (failed!.samples ?? []).map((s) => Number((s.key as { id: string | number }).id));
    expect(shown.length).toBeGreaterThan(0);
    // Repair exactly the keys the failing result showed; four hundred others still differ.
    await world.db.exec(`update users_new set name = 'user ' || id where id = any($1::int[])`, [shown]);
    world.clock.advance(1_000);
    await world.run(['seeded']);
    const [replayed] = await world.store.checkHistory('seeded', 1);
    expect(replayed!.status, replayed!.summary ?? '').toBe('pass');
    world.clock.advance(1_000);
    const decision = await world.gates.decide('users-name', 'seeded');
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['fixed_seed']);
    expect(decision.reasons[0]).toMatch(/sample\.seed/);
  });

  it('a sample drawn afresh still finds the rows nobody repaired', async () => {
    await world.run(['drawn']);
    const [result] = await world.store.checkHistory('drawn', 1);
    expect(result!.status, result!.summary ?? '').toBe('fail');
    world.clock.advance(1_000);
    expect((await world.gates.decide('users-name', 'drawn')).allowed).toBe(false);
  });
});

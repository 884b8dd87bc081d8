/**
 * Gate evidence must be about the server the source reaches. The definition hash covers the
 * resolved target (host names, ports, database, user), but not what a name resolves to: DNS, a
 * pgbouncer in front, or a database renamed over another can point the same URL at a different
 * database. Each result records the server it really read (`check_results.servers`); the gate
 * compares them.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerIdentity } from '../../src/results/server-identity.js';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { EMAIL_GATE as GATE, EMAIL_GATE_SEED as SEED, NOT_EMPTY_WITNESS, emailGateYaml } from '../support/email-gate.js';
import { catalogFromYaml } from '../support/run-check.js';
import { createGateService } from '../../src/gate/gate-service.js';
import { embeddedLookup } from '../support/embedded-now.js';

const YAML = emailGateYaml(NOT_EMPTY_WITNESS);

describe.each(engines)('gate evidence about the server a source reaches, on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: SEED });
  });
  afterAll(() => world.close());

  /** The identity the runner recorded for `app` in the newest result of a check. */
  async function identityOf(checkId: string): Promise<ServerIdentity> {
    const [result] = await world.store.checkHistory(checkId, 1);
    return result!.servers.app!;
  }

  /**
   * A pass of `checkId` under its current definition that read `app` as `server`: what a replica or
   * a `parity run` on a host whose DNS (or pgbouncer) sends the same URL elsewhere records.
   */
  async function recordPass(checkId: string, server: ServerIdentity | undefined) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await world.store.createRun({ id: runId, trigger: 'cli', checkIds: [checkId], selector: {}, createdAt: world.clock.now() });
    await world.store.startResult({ id: resultId, runId, checkId, kind: 'sql_assert', definitionHash: world.catalog().checks.get(checkId)!.hash });
    await world.store.markReading(resultId);
    await world.store.finishResult(resultId, {
      status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
      servers: server ? { app: server } : {}, finishedAt: world.clock.now(), durationMs: 1, samples: [],
    });
    await world.store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, world.clock.now());
  }

  const another = (server: ServerIdentity): ServerIdentity => ({ ...server, system_identifier: '7000000000000000001' });

  it('denies when the required passes read one source as two different servers', async () => {
    await world.run(['users-have-email']);
    world.clock.advance(1_000);
    await recordPass('users-unique-email', another(await identityOf('users-have-email')));
    world.clock.advance(1_000);
    const decision = await world.gates.decide(...GATE);
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', null]);
    expect(decision.reasons[0]).toMatch(/source "app"/);
  });

  it('denies a pass once a later check read its source as another server', async () => {
    await world.run(['users-have-email', 'users-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
    // A check the phase does not require reads `app` and finds another server behind it.
    await recordPass('users-not-empty', another(await identityOf('users-have-email')));
    world.clock.advance(1_000);
    const decision = await world.gates.decide(...GATE);
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', 'server_changed']);
    // Once the required checks read the server the source reaches now, they count again.
    await world.run(['users-have-email', 'users-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
  });

  it('keeps counting passes across a failover that keeps the cluster (same system identifier and database)', async () => {
    await world.run(['users-have-email', 'users-unique-email']);
    world.clock.advance(1_000);
    const server = await identityOf('users-have-email');
    // A promoted physical standby: another address and port, same system identifier and database oid.
    await recordPass('users-not-empty', { ...server, address: '10.9.8.7', port: 6543, in_recovery: false });
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
  });

  it('denies a pass read as a role that may write once the source requires least privilege', async () => {
    // The test role is a superuser on both engines: every result records privilege warnings.
    await world.run(['users-have-email', 'users-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
    const strict = catalogFromYaml(YAML, { app: world.db });
    strict.sources.get('app')!.spec.require_least_privilege = true;
    // The setting is the source's: no check's definition hash moves.
    expect(strict.checks.get('users-have-email')!.hash).toBe(world.catalog().checks.get('users-have-email')!.hash);
    const gates = createGateService({ store: world.store, runner: world.runner, catalog: () => strict, clock: world.clock, evidenceTtlMs: 0, embeddedIdentity: embeddedLookup(world.db) });
    try {
      const decision = await gates.decide(...GATE);
      expect(decision.allowed).toBe(false);
      expect(decision.checks.map((c) => c.denial)).toEqual(['not_least_privilege', 'not_least_privilege']);
      expect(decision.reasons[0]).toMatch(/reading source "app" as a role that may write \(role "[^"]+" is a superuser/);
    } finally {
      await gates.close();
    }
  });

  it('denies a pass that recorded no server for a source its check reads', async () => {
    await world.run(['users-have-email']);
    world.clock.advance(1_000);
    await recordPass('users-unique-email', undefined);
    world.clock.advance(1_000);
    const decision = await world.gates.decide(...GATE);
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual([null, 'no_server_identity']);
  });
});

describeOnPostgres('a database renamed over the one a source names, on postgres', () => {
  let world: GateWorld;
  let other: TestDatabase;
  let admin: postgres.Sql;
  beforeAll(async () => {
    world = await createGateWorld('postgres', { yaml: YAML, seedSql: SEED });
    // Another database with the same tables and one duplicate e-mail: what the URL will reach next.
    other = await createTestDatabase('postgres');
    await other.exec(`${SEED} update users set email = 'u1@x' where id = 2;`);
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.end();
    await world.close();
    await other.close();
  });

  const nameOf = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

  /** Swaps the two databases' names (same cluster, same URL): the source's URL now reaches the other one. */
  async function swap() {
    const [a, b] = [nameOf(world.db), nameOf(other)];
    for (const name of [a, b]) await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
    await admin.unsafe(`alter database ${a} rename to ${a}_swap`);
    await admin.unsafe(`alter database ${b} rename to ${a}`);
    await admin.unsafe(`alter database ${a}_swap rename to ${b}`);
  }

  it('stops counting passes about the database the URL reached before, and never mixes two', async () => {
    await world.run(['users-have-email', 'users-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);

    // Same URL, same definition hashes, same system identifier and database name: another database,
    // one with a duplicate e-mail. A check the phase does not require reads it.
    await swap();
    await world.run(['users-not-empty']);
    world.clock.advance(1_000);
    const [first, now] = [(await world.store.checkHistory('users-have-email', 1))[0]!, (await world.store.checkHistory('users-not-empty', 1))[0]!];
    expect(now.definitionHash).toBe(world.catalog().checks.get('users-not-empty')!.hash);
    expect([now.servers.app!.system_identifier, now.servers.app!.database]).toEqual([first.servers.app!.system_identifier, first.servers.app!.database]);
    const changed = await world.gates.decide(...GATE);
    expect(changed.allowed).toBe(false);
    expect(changed.checks.map((c) => c.denial)).toEqual(['server_changed', 'server_changed']);

    // One required check read the new database: its pass and the other's are about two databases.
    await world.run(['users-have-email']);
    world.clock.advance(1_000);
    const mixed = await world.gates.decide(...GATE);
    expect(mixed.allowed).toBe(false);
    expect(mixed.checks.map((c) => c.denial)).toEqual([null, 'server_changed']);

    // Read where the URL leads now, the duplicate is found.
    await world.run(['users-unique-email']);
    world.clock.advance(1_000);
    const truth = await world.gates.decide(...GATE);
    expect(truth.checks.map((c) => c.denial)).toEqual([null, 'failed']);
  });
});

/**
 * Where parity's role may not execute pg_control_system() (some managed services revoke it), a
 * result records no system identifier, and gates told servers apart by the database's oid and name
 * plus the address and port. A cluster restored, re-created or pg_upgrade'd in place answers at
 * the same address and port, and its first database usually gets the same oid (16384 on a fresh
 * cluster): the gate took it for the server earlier passes read, and counted them — passes about
 * the data before the restore. The per-read watch (sources/pinning.ts) already stands the
 * postmaster's start in for the cluster in that case; the recorded identity and the gate now do
 * too: stricter (a restart is another server), never looser.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerIdentity } from '../../src/results/server-identity.js';
import { inspectSource } from '../../src/sources/preflight.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { sourceSpecSchema } from '../../src/checkfile/sources.js';
import { createTestDatabase, describeOnPostgres, engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { EMAIL_GATE as GATE, EMAIL_GATE_SEED as SEED, emailGateYaml } from '../support/email-gate.js';
import { embeddedServerOf } from '../support/embedded-now.js';

const YAML = emailGateYaml();

/** What a role without EXECUTE on pg_control_system() records: no cluster, one address. */
const unnamed = (started: string): ServerIdentity => ({
  system_identifier: null, system_identifier_unavailable: 'permission denied for pg_control_system()',
  database: 'app', database_oid: '16384', user: 'reader', address: '10.0.0.5', port: 5432,
  version_num: 170002, version: 'PostgreSQL 17.2', in_recovery: false, privilege_warnings: [], postmaster_started: started,
});

describe.each(engines)('gates tell servers apart where the cluster cannot be named, on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: SEED });
  });
  afterAll(() => world.close());

  async function recordPass(checkId: string, server: ServerIdentity) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await world.store.createRun({ id: runId, trigger: 'cli', checkIds: [checkId], selector: {}, createdAt: world.clock.now() });
    await world.store.startResult({ id: resultId, runId, checkId, kind: 'sql_assert', definitionHash: world.catalog().checks.get(checkId)!.hash });
    await world.store.markReading(resultId);
    await world.store.finishResult(resultId, {
      status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
      // On PGlite, about the embedded database the source reaches now (its id and data directory).
      servers: { app: { ...server, ...embeddedServerOf(world.db) } }, finishedAt: world.clock.now(), durationMs: 1, samples: [],
    });
    await world.store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, world.clock.now());
  }

  it('denies passes read before the server at that address was started again (restored in place)', async () => {
    await recordPass('users-have-email', unnamed('1796550000'));
    world.clock.advance(1_000);
    await recordPass('users-unique-email', unnamed('1796550000'));
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
    // The cluster behind 10.0.0.5:5432 was restored from a backup: same address, port, name and oid.
    await recordPass('users-unique-email', unnamed('1796559999'));
    world.clock.advance(1_000);
    const decision = await world.gates.decide(...GATE);
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', null]);
  });
});

describeOnPostgres('the identity a role without pg_control_system() records', () => {
  const role = `h_gate_reader_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  let admin: ReturnType<typeof postgres> | undefined;
  let close: (() => Promise<void>) | undefined;
  let url = '';
  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    close = db.close;
    // Functions are per database: the revoke reaches this test database only.
    await db.exec(`create role ${role} login; revoke execute on function pg_catalog.pg_control_system() from public;`);
    const parsed = new URL(db.url);
    parsed.username = role;
    parsed.password = '';
    url = parsed.toString();
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await close?.();
    await admin?.unsafe(`drop role if exists ${role}`);
    await admin?.end();
  });

  it('records when the server started, which stands in for the cluster', async () => {
    const registry = createSourceRegistry(new Map([['app', { spec: sourceSpecSchema.parse({ url }) }]]), { dataDir: `memory:${randomUUID()}` });
    try {
      const identity = await inspectSource(await registry.get('app'));
      expect(identity.system_identifier).toBeNull();
      const [row] = await admin!.unsafe(`select date_part('epoch', pg_postmaster_start_time())::numeric::text as started`);
      expect(identity.postmaster_started).toBe(row!.started);
    } finally {
      await registry.closeAll();
    }
  });
});

/**
 * Fault injection against real Postgres servers: the verified database stopped, crashed or
 * unreachable mid-check, its connection terminated, a statement or lock timeout, the state store
 * unavailable before and during a gate request. In every case the gate must be denied.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateUnavailableError } from '../../src/gate/gate-errors.js';
import { createGateService, type GateDecision } from '../../src/gate/gate-service.js';
import { createRunner } from '../../src/runner/runner.js';
import { createLeaseGuard } from '../../src/runner/check-guard.js';
import { openPostgresState } from '../../src/store/database.js';
import { migrateState } from '../../src/store/migrate.js';
import { storeOver } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';

const YAML = `
checks:
  - id: scratch-slow
    kind: sql_assert
    source: scratch
    query: "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(2)::text) = 'never'"
  - id: app-slow
    kind: sql_assert
    source: app
    query: "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(2)::text) = 'never'"
  - id: app-timeout
    kind: sql_assert
    source: app
    timeout: 1s
    query: "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(3)::text) = 'never'"
  - id: app-locked
    kind: sql_assert
    source: app
    query: "select id from guarded"
migrations:
  - id: faults
    phases:
      - { name: scratch, requires: [scratch-slow] }
      - { name: app, requires: [app-slow], require_earlier_phases: false }
      - { name: timeout, requires: [app-timeout], require_earlier_phases: false }
      - { name: locked, requires: [app-locked], require_earlier_phases: false }
`;

/** Every fault tried, and whether the gate stayed closed; printed for the README's reliability section. */
const tried: { fault: string; denied: boolean }[] = [];

function record(fault: string, verdict: { allowed: boolean }): void {
  tried.push({ fault, denied: !verdict.allowed });
  expect(verdict.allowed).toBe(false);
}

/** Waits as long as a killed or starting server may take; a probe that throws counts as not yet. */
const untilAlive = <T>(what: string, probe: () => Promise<T | undefined | false | null>) => until(what, probe, 20_000, { everyMs: 50, ignoreErrors: true });

// pg_sleep(…) where false would be folded away by the planner; the filter on its result keeps the sleep, and the name no namespace has is what the data witness (kinds/data-witness.ts) sees the answer depend on.

/** True once a parity statement matching `text` is executing on the server. */
const checkIsRunning = (exec: TestDatabase['exec'], text: string) => async () =>
  (await exec(`select 1 from pg_stat_activity where application_name = 'parity' and state = 'active' and query like '%${text}%' and datname = current_database() and pid <> pg_backend_pid()`)).length > 0;

/** Asks the gate; a GateUnavailableError is a denial too (the caller never hears "allowed"). */
async function ask(world: Pick<GateWorld, 'gates'>, phase: string, refresh = false): Promise<{ allowed: boolean; reasons: string[]; unavailable?: GateUnavailableError }> {
  try {
    const d: GateDecision = await world.gates.decide('faults', phase, { refresh, requestedBy: 'fault-injection' });
    return d;
  } catch (error) {
    if (error instanceof GateUnavailableError) return { allowed: false, reasons: [error.message], unavailable: error };
    throw error;
  }
}

afterAll(() => {
  const denied = tried.filter((t) => t.denied).length;
  console.info(`fault injection: ${tried.length} faults tried, gate denied in ${denied}:\n${tried.map((t) => `  ${t.denied ? 'denied' : 'ALLOWED'}  ${t.fault}`).join('\n')}`);
});

describe.each(engines)('fault injection on %s', (engine) => {
  // Stopping servers, terminating backends and server-side timeouts need real Postgres; on PGlite
  // the embedded state store can still vanish in the middle of a gate refresh.
  if (engine !== 'postgres') {
    it('embedded state store closed during a gate refresh → denied', async () => {
      const embedded = await createGateWorld('pglite', {
        seedSql: 'select 1',
        yaml: `
checks:
  - id: cpu-slow
    kind: sql_assert
    source: app
    query: "select g from generate_series(1, 3000000) g where g < 0"
migrations:
  - id: faults
    phases: [{ name: embedded, requires: [cpu-slow] }]
`,
      });
      try {
        // Another run holds the check, so the refresh waits (with its result recorded as running) — then the store goes.
        await embedded.store.acquireLease({ checkId: 'cpu-slow', runId: 'blocker', holder: 'elsewhere', now: embedded.clock.now(), ttlMs: 600_000 });
        const pending = ask(embedded, 'embedded', true);
        await untilAlive('the refresh run to start', async () => (await embedded.store.checkHistory('cpu-slow', 1))[0]?.status === 'running');
        await embedded.store.close();
        const verdict = await pending;
        record('embedded state store closed during a gate refresh', verdict);
        expect(verdict.unavailable).toBeInstanceOf(GateUnavailableError);
      } finally {
        await embedded.close().catch(() => {});
      }
    });
    return;
  }
  let scratch: ScratchCluster;
  let world: GateWorld;
  beforeAll(async () => {
    scratch = await createScratchCluster();
    const scratchDb: TestDatabase = { engine: 'postgres', url: scratch.url, dataDir: `memory:${randomUUID()}`, exec: (sql) => scratch.exec(sql), close: () => scratch.destroy() };
    world = await createGateWorld('postgres', { yaml: YAML, seedSql: 'create table guarded (id int)', sources: { scratch: scratchDb } });
    world.clock.set(new Date());
  });
  afterAll(async () => {
    await world?.close();
    await scratch?.destroy();
  });


  it('verified database stopped (fast shutdown) mid-check → denied; restarted → allowed again', async () => {
    expect((await ask(world, 'scratch', true)).allowed).toBe(true);
    const pending = ask(world, 'scratch', true);
    await untilAlive('the check to run on the scratch server', checkIsRunning((sql) => scratch.exec(sql), 'pg_sleep'));
    await scratch.stop('fast');
    const verdict = await pending;
    record('verified database stopped (pg_ctl stop -m fast) mid-check', verdict);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^check "scratch-slow" could not verify: connection: /)]);
    await scratch.start();
    expect((await ask(world, 'scratch', true)).allowed).toBe(true);
  });

  it('verified database crashed (immediate shutdown) mid-check → denied', async () => {
    const pending = ask(world, 'scratch', true);
    await untilAlive('the check to run on the scratch server', checkIsRunning((sql) => scratch.exec(sql), 'pg_sleep'));
    await scratch.stop('immediate');
    const verdict = await pending;
    record('verified database crashed (pg_ctl stop -m immediate) mid-check', verdict);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^check "scratch-slow" could not verify: connection: /)]);
  });

  it('verified database unreachable when the check starts → denied', async () => {
    const verdict = await ask(world, 'scratch', true);
    record('verified database down before the check (connection refused)', verdict);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^check "scratch-slow" could not verify: connection: /)]);
    await scratch.start();
  });

  it('check backend terminated with pg_terminate_backend → denied', async () => {
    expect((await ask(world, 'app', true)).allowed).toBe(true);
    const pending = ask(world, 'app', true);
    await untilAlive('the check to run', checkIsRunning(world.db.exec, 'pg_sleep'));
    const killed = await world.db.exec(`select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'parity' and state = 'active' and query like '%pg_sleep%' and datname = current_database() and pid <> pg_backend_pid()`);
    expect(killed.length).toBeGreaterThan(0);
    const verdict = await pending;
    record('check connection terminated (pg_terminate_backend) mid-check', verdict);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^check "app-slow" could not verify: connection: /)]);
  });

  it('statement timeout → denied', async () => {
    const verdict = await ask(world, 'timeout', true);
    record('statement_timeout reached', verdict);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^check "app-timeout" could not verify: timeout: .*statement timeout/)]);
  });

  it('lock timeout behind a DDL lock → denied', async () => {
    expect((await ask(world, 'locked', true)).allowed).toBe(true);
    const client = postgres(world.db.url, { max: 1, onnotice: () => {} });
    const locker = await client.reserve();
    try {
      await locker.unsafe('begin');
      await locker.unsafe('lock table guarded in access exclusive mode');
      const verdict = await ask(world, 'locked', true);
      record('lock_timeout behind an ACCESS EXCLUSIVE lock', verdict);
      expect(verdict.reasons).toEqual([expect.stringMatching(/^check "app-locked" could not verify: lock_timeout: /)]);
    } finally {
      await locker.unsafe('rollback');
      locker.release();
      await client.end({ timeout: 5 });
    }
  });

  describe('with the state store on a server that goes away', () => {
    let stateCluster: ScratchCluster;
    let gates: GateWorld['gates'];
    beforeAll(async () => {
      stateCluster = await createScratchCluster();
      const state = openPostgresState(stateCluster.url, { max: 3 });
      await migrateState(state.raw);
      const store = storeOver(state);
      // Runs, results, leases and decisions all live on the server that will go away.
      const runner = createRunner({ store, sources: world.sources, clock: world.clock, instanceId: 'replica-s', guard: createLeaseGuard(store, { holder: 'replica-s', clock: world.clock }) });
      gates = createGateService({ store, runner, catalog: world.catalog, clock: world.clock });
    });
    afterAll(async () => {
      await stateCluster?.destroy();
    });

    it('store stopped before the gate request → denied (could not evaluate)', async () => {
      expect((await ask({ gates }, 'app', true)).allowed).toBe(true);
      await stateCluster.stop('fast');
      const verdict = await ask({ gates }, 'app');
      record('state store stopped before the gate request', verdict);
      expect(verdict.unavailable?.message).toMatch(/could not read results from the state store/);
      await stateCluster.start();
    });

    it('store stopped mid-refresh → denied; back up, the interrupted run still keeps the gate closed', async () => {
      expect((await ask({ gates }, 'app', true)).allowed).toBe(true);
      const pending = ask({ gates }, 'app', true);
      await untilAlive('the check to run', checkIsRunning(world.db.exec, 'pg_sleep'));
      await stateCluster.stop('fast');
      const verdict = await pending;
      record('state store stopped during a gate refresh', verdict);
      expect(verdict.unavailable?.message).toMatch(/could not run the required checks/);
      await stateCluster.start();
      // The result that could not be recorded is still "running" in the store: fail-closed until reaped or re-run.
      const after = await ask({ gates }, 'app');
      expect(after.allowed).toBe(false);
      expect(after.reasons).toEqual([expect.stringMatching(/^check "app-slow" is running/)]);
    });
  });
});

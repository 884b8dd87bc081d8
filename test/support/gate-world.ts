/**
 * A real parity core for gate and scheduler tests: a seeded verified database, a migrated state
 * store, the loader, a runner guarded by check leases, the gate service and a fake clock — all on
 * the chosen engine, with no mocks.
 */
import { createGateService, type GateDecision, type GateService } from '../../src/gate/gate-service.js';
import { createRunner } from '../../src/runner/runner.js';
import type { Runner } from '../../src/runner/run-types.js';
import { createLeaseGuard, type LeaseGuardOptions } from '../../src/runner/check-guard.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, type EngineName, type TestDatabase } from './databases.js';
import { catalogFromYaml, registryForCatalog } from './run-check.js';
import { fakeClock, type FakeClock } from './fake-clock.js';
import { storeClockFrom } from '../../src/store/store-clock.js';
import { embeddedLookup } from './embedded-now.js';

export interface GateWorld {
  db: TestDatabase;
  store: Store;
  clock: FakeClock;
  catalog(): Catalog;
  /** Replaces the check files (checks + migrations YAML; the `app` source is added). */
  setYaml(yaml: string): void;
  sources: SourceRegistry;
  /** A runner for one replica; every runner made here shares the store and the lease guard table. */
  runnerFor(instanceId: string, guard?: Partial<LeaseGuardOptions>): Runner;
  runner: Runner;
  gates: GateService;
  decisions: GateDecision[];
  /** Runs the given checks (all when omitted) to completion on the default runner. */
  run(ids?: string[]): Promise<Awaited<ReturnType<Runner['start']>>['run']>;
  close(): Promise<void>;
}

/** Builds the world on the engine; close() removes every database it made. */
export async function createGateWorld(engine: EngineName, options: {
  yaml: string;
  seedSql: string;
  /** More sources for the check files, besides `app`. */
  sources?: Record<string, TestDatabase>;
  /** More source names whose URL is `app`'s (one database under several names). */
  aliases?: string[];
  /** Keep state in this already-migrated store instead of a fresh test store. */
  store?: Store;
  /** PGlite only: the data directory (on disk) and name of the verified database, instead of a fresh one in memory. */
  dataDir?: string;
  name?: string;
}): Promise<GateWorld> {
  const db = await createTestDatabase(engine, { ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.name ? { name: options.name } : {}) });
  // Empty: the database is reopened as it was.
  if (options.seedSql) await db.exec(options.seedSql);
  const clock = fakeClock();
  // The store stamps results with the same fake clock, so tests can age results by moving it.
  const stateHandle = options.store ? { store: options.store, close: () => options.store!.close() } : await createTestStore(engine, { clock: storeClockFrom(clock) });
  const store = stateHandle.store;
  const named = { app: db, ...Object.fromEntries((options.aliases ?? []).map((name) => [name, db])), ...options.sources };
  let catalog = catalogFromYaml(options.yaml, named);
  const sources = registryForCatalog(catalog, named);
  const runners: Runner[] = [];
  const runnerFor = (instanceId: string, guard: Partial<LeaseGuardOptions> = {}) => {
    const runner = createRunner({ store, sources, clock, instanceId, guard: createLeaseGuard(store, { holder: instanceId, clock, pollMs: 20, ...guard }) });
    runners.push(runner);
    return runner;
  };
  const runner = runnerFor('replica-a');
  const decisions: GateDecision[] = [];
  // As the service wires it: the embedded databases under the sources' data directory are the ones now.
  const gates = createGateService({ store, runner, catalog: () => catalog, clock, onDecision: (d) => decisions.push(d), embeddedIdentity: embeddedLookup(db) });
  return {
    db, store, clock, sources, runner, gates, decisions, runnerFor,
    catalog: () => catalog,
    setYaml(yaml) { catalog = catalogFromYaml(yaml, named); },
    async run(ids) {
      const checks = ids ? ids.map((id) => catalog.checks.get(id)!) : [...catalog.checks.values()];
      const { finished } = await runner.start({ checks, trigger: 'api' });
      return finished;
    },
    async close() {
      await Promise.allSettled(runners.map((r) => r.drain()));
      await gates.close();
      await sources.closeAll();
      await stateHandle.close();
      await db.close();
    },
  };
}

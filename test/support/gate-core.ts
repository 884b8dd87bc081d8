/**
 * The parts of a parity process a gate answer rests on, over check files whose sources point at
 * servers a test started itself (throwaway clusters): a state store on PGlite, the sources, a runner
 * guarded by check leases, and the gate service. createGateWorld (gate-world.ts) builds the same
 * over a seeded test database.
 */
import type { Catalog } from '../../src/catalog/catalog.js';
import { createGateService, type GateService } from '../../src/gate/gate-service.js';
import { createLeaseGuard } from '../../src/runner/check-guard.js';
import { systemClock, type Clock } from '../../src/runner/clock.js';
import { createRunner } from '../../src/runner/runner.js';
import type { Runner } from '../../src/runner/run-types.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import { storeClockFrom } from '../../src/store/store-clock.js';
import { embeddedLookup } from './embedded-now.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore } from './databases.js';
import type { FakeClock } from './fake-clock.js';

export interface GateCore { store: Store; sources: SourceRegistry; runner: Runner; gates: GateService; close(): Promise<void> }

/**
 * The core over `catalog` (read on every gate ask; the sources are those it names now). The runner
 * reads on the system clock; `storeClock`, when given, is the clock of the store and the gates (a
 * result then reads as finished at that clock's time).
 */
export async function createGateCore(catalog: () => Catalog, options: { instanceId: string; storeClock?: FakeClock }): Promise<GateCore> {
  const { store, close: closeStore } = await createTestStore('pglite', options.storeClock ? { clock: storeClockFrom(options.storeClock) } : {});
  const sources = createSourceRegistry(catalog().sources, { dataDir: 'memory:none' });
  const runner = createRunner({ store, sources, clock: systemClock, instanceId: options.instanceId, guard: createLeaseGuard(store, { holder: options.instanceId, clock: systemClock, pollMs: 20 }) });
  const gateClock: Clock = options.storeClock ?? systemClock;
  const gates = createGateService({ store, runner, catalog, clock: gateClock, evidenceTtlMs: 0, embeddedIdentity: embeddedLookup({ dataDir: 'memory:none' }) });
  return {
    store, sources, runner, gates,
    async close() {
      await gates.close();
      await runner.drain();
      await sources.closeAll();
      await closeStore();
    },
  };
}

/**
 * Composition root: configuration → catalog, store, sources and runner. The HTTP server, the CLI
 * and tests all assemble parity here, so there is one wiring to trust.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createRunner, type Runner, type RunObserver } from '../runner/runner.js';
import { systemClock, type Clock } from '../runner/clock.js';
import { createGateService, type GateDecision, type GateService } from '../gate/gate-service.js';
import { createLeaseGuard } from '../runner/check-guard.js';
import { loadCatalog, type Catalog } from '../catalog/load.js';
import { createSourceRegistry, type SourceRegistry } from '../sources/registry.js';
import { openStore, type Store } from '../store/store.js';

export interface Service {
  config: Config;
  /** The current catalog; `reload` swaps it after the files change. */
  catalog(): Catalog;
  reload(): Promise<Catalog>;
  store: Store;
  sources(): SourceRegistry;
  runner: Runner;
  /** Phase gates: verdicts, refreshes and the decision record. */
  gates: GateService;
  clock: Clock;
  logger?: Logger | undefined;
  close(): Promise<void>;
}

export interface ServiceOptions {
  logger?: Logger;
  clock?: Clock;
  observers?: RunObserver[];
  env?: Record<string, string | undefined>;
  /** Pre-opened store (tests); otherwise opened from config. */
  store?: Store;
  /** Hears every gate decision (telemetry). */
  onGateDecision?: (decision: GateDecision) => void;
}

/** Opens everything a parity process needs; closes what it opened if any step fails. */
export async function openService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const env = options.env ?? process.env;
  let catalog = await loadCatalog(config.checksDir, env);
  const store = options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  let sources = createSourceRegistry(catalog.sources, { dataDir: config.dataDir });
  const clock = options.clock ?? systemClock;
  // The runner reads sources through an indirection so a reload can swap them under it.
  const sourceView: SourceRegistry = {
    get: (name) => sources.get(name),
    names: () => sources.names(),
    specOf: (name) => sources.specOf(name),
    closeAll: () => sources.closeAll(),
  };
  const runner = createRunner({
    store, sources: sourceView, clock, observers: options.observers ?? [], checkConcurrency: config.checkConcurrency, instanceId: config.instanceId,
    // Every run, on every replica, takes the check's lease: a check never overlaps itself.
    guard: createLeaseGuard(store, { holder: config.instanceId, clock, logger: options.logger }),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    config,
    catalog: () => catalog,
    async reload() {
      const next = await loadCatalog(config.checksDir, env);
      const previous = sources;
      catalog = next;
      sources = createSourceRegistry(next.sources, { dataDir: config.dataDir });
      await runner.drain();
      await previous.closeAll();
      return next;
    },
    store,
    sources: () => sourceView,
    runner,
    gates: createGateService({ store, runner, catalog: () => catalog, clock, logger: options.logger, onDecision: options.onGateDecision }),
    clock,
    logger: options.logger,
    async close() {
      await runner.drain();
      await sources.closeAll();
      if (!options.store) await store.close();
    },
  };
}

/**
 * Composition root: configuration → catalog, store, sources and runner. The HTTP server, the CLI
 * and tests all assemble parity here, so there is one wiring to trust.
 */
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { createRunner } from '../runner/runner.js';
import type { Runner, RunObserver } from '../runner/run-types.js';
import { systemClock, type Clock } from '../runner/clock.js';
import { createGateService, type GateDecision, type GateService } from '../gate/gate-service.js';
import { createLeaseGuard } from '../runner/check-guard.js';
import { formatProblem } from '../checkfile/problems.js';
import { loadCatalog } from '../catalog/load.js';
import type { Catalog } from '../catalog/catalog.js';
import { createSourceRegistry, type SourceRegistry } from '../sources/registry.js';
import { currentEmbeddedIdentity } from '../embedded/pglite.js';
import type { StateStore } from '../store/store.js';
import { createCatalogHolder, type CatalogStatus } from './catalog-holder.js';
import { createCurrentGates } from './current-gates.js';
import { createReadiness, type Readiness } from './readiness.js';

export type { CatalogStatus };

export interface Service {
  config: Config;
  /** The catalog in use: the last one that loaded. */
  catalog(): Catalog;
  /** Whether the files on disk loaded, as of the last look. */
  catalogStatus(): CatalogStatus;
  /** Loads the check files now; throws CheckFileError (keeping the last good catalog) when they do not load. */
  reload(): Promise<Catalog>;
  /** Reloads if the files changed since the last look; call before judging anything by the catalog. */
  ensureCurrentCatalog(): Promise<CatalogStatus>;
  /** The last readiness probe of the store and sources (a serving process probes on a timer). */
  readiness: Readiness;
  store: StateStore;
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
  store?: StateStore;
  /** Hears every gate decision (telemetry). */
  onGateDecision?: (decision: GateDecision) => void;
  /** Extra rules a reloaded catalog must pass (the server's schedule validation); throws CheckFileError. */
  validateCatalog?: (catalog: Catalog) => Promise<void>;
  /** Hears every reload: whether the files loaded (telemetry, logs). */
  onCatalogLoad?: (status: CatalogStatus) => void;
}

/** Opens everything a parity process needs; closes what it opened if any step fails. */
export async function openService(config: Config, options: ServiceOptions = {}): Promise<Service> {
  const env = options.env ?? process.env;
  const initial = await loadCatalog(config.checksDir, env);
  let sources = createSourceRegistry(initial.sources, { dataDir: config.dataDir });
  let store: StateStore;
  try {
    // Before the store is opened (and migrated, which writes): never a database parity verifies.
    if (!options.store && config.databaseUrl) await (await import('./store-apart.js')).refuseStoreAmongSources(config.databaseUrl, sources, env, options.logger);
    // Loaded on demand: a one-shot run on the in-process store never loads the drizzle schema and drivers.
    store = options.store ?? (await (await import('../store/store.js')).openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  } catch (error) {
    await sources.closeAll();
    throw error;
  }
  const clock = options.clock ?? systemClock;
  const logger = options.logger;
  // The runner reads sources through an indirection so a reload can swap them under it.
  const sourceView: SourceRegistry = {
    get: (name) => sources.get(name),
    names: () => sources.names(),
    specOf: (name) => sources.specOf(name),
    closeAll: () => sources.closeAll(),
    pinned: () => sources,
  };
  const runner = createRunner({
    store, sources: sourceView, clock, observers: options.observers ?? [], checkConcurrency: config.checkConcurrency, instanceId: config.instanceId,
    // Every run, on every replica, takes the check's lease: a check never overlaps itself.
    guard: createLeaseGuard(store, { holder: config.instanceId, clock, logger }),
    ...(logger ? { logger } : {}),
  });
  const readiness = createReadiness({ store, sources: () => sourceView, clock, logger });
  const holder = await createCatalogHolder({
    dir: config.checksDir, env, initial, now: () => clock.now(), validate: options.validateCatalog,
    async onLoad({ catalog, replaced, status }) {
      if (replaced) {
        const previous = sources;
        sources = createSourceRegistry(catalog.sources, { dataDir: config.dataDir });
        // Checks already running keep the connections they hold; close them once those are done.
        void runner.drain().then(() => previous.closeAll()).catch((error: unknown) => logger?.warn({ err: error }, 'could not close the previous sources'));
        logger?.info({ checks: catalog.checks.size, sources: catalog.sources.size, migrations: catalog.migrations.size }, 'check files reloaded');
        if (readiness.current()) await readiness.probe();
      } else {
        logger?.error({ problems: status.problems.map(formatProblem) }, 'check files do not load; keeping the last good catalog, and gates answer "could not evaluate"');
      }
      try {
        options.onCatalogLoad?.(status);
      } catch (error) {
        logger?.warn({ err: error }, 'catalog load observer failed');
      }
    },
  });
  const gates = createGateService({
    store, runner, catalog: () => holder.catalog(), clock, logger, onDecision: options.onGateDecision,
    evidenceTtlMs: config.gateEvidenceTtlMs,
    // Which embedded database each `embedded:NAME` is now: the gate compares it with what a pass read.
    embeddedIdentity: (database) => currentEmbeddedIdentity(config.dataDir, database),
  });
  return {
    config,
    catalog: () => holder.catalog(),
    catalogStatus: () => holder.status(),
    reload: () => holder.reload(),
    ensureCurrentCatalog: () => holder.current(),
    readiness,
    store,
    sources: () => sourceView,
    runner,
    // Gates trust a look at the files at most gateEvidenceTtlMs old (the watcher reloads on edits at once).
    gates: createCurrentGates(gates, { current: () => holder.current() }),
    clock,
    logger,
    async close() {
      readiness.stop();
      await runner.drain();
      await gates.close().catch((error: unknown) => logger?.warn({ err: error }, 'could not write the last gate decision repeats'));
      await sources.closeAll();
      if (!options.store) await store.close();
    },
  };
}

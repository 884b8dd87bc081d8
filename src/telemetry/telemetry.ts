/**
 * Telemetry for one parity process: the meter provider, parity's instruments, the RunObserver that
 * feeds them, the HTTP middleware and the Prometheus text. `attach` loads the gauges from the
 * store (so a restart shows the latest results, not zeros) and keeps them in step with other
 * replicas on a timer.
 */
import type { MiddlewareHandler } from 'hono';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Logger } from '../logging/logger.js';
import type { ProgressEvent, RunObserver } from '../runner/run-types.js';
import { systemClock, type Clock, type Timer } from '../runner/clock.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Store } from '../store/store.js';
import type { GateService } from '../gate/gate-service.js';
import { createCheckStates, type ResultSource } from './check-states.js';
import { readGateStates } from './gate-states.js';
import { httpMetricsMiddleware } from './http-metrics.js';
import { createMeterSetup, type Env } from './meter-provider.js';
import { createParityMetrics, type DeclaredSince, type ParityMetrics } from './parity-metrics.js';
import { activateRecorders } from './recorders.js';
import { observeProcessMetrics } from './process-metrics.js';

export interface TelemetryOptions {
  env?: Env;
  logger?: Logger | undefined;
  clock?: Clock;
  /** How often gauges are re-read from the store (results written by other replicas). */
  refreshIntervalMs?: number;
}

/** What `attach` needs from the service: the current catalog, the store's result queries and the gates. */
export interface TelemetryTarget {
  catalog(): Catalog;
  store: ResultSource & Partial<Pick<Store, 'claimCliResultsForMetrics' | 'declareDefinitions'>>;
  /** The gate's own verdicts (the service's gates): the only source of the gate gauges; without it they are not observed. */
  gates?: Pick<GateService, 'preview'>;
  /** Brings the catalog in line with the files on disk, so the phases read are the ones declared now. */
  ensureCurrentCatalog?(): Promise<unknown>;
  /** With the store's CLI-result claims: this replica's name (then CLI runs are counted, once across replicas). */
  config?: { instanceId: string };
}

/** On the first sync, CLI results finished this long ago at most are counted (no backlog spike at start-up). */
export const CLI_IMPORT_LOOKBACK_MS = 15 * 60_000;
const CLI_IMPORT_BATCH = 1_000;

export interface Telemetry {
  /** Pass to openService({ observers }) so every run is recorded. */
  readonly observer: RunObserver;
  readonly metrics: ParityMetrics;
  /** @hono/otel request metrics, for the app to `use` on every route. */
  readonly httpMiddleware: MiddlewareHandler;
  /** Where OTLP push goes, or undefined when it is off. */
  readonly otlpUrl: string | undefined;
  /** Prometheus text exposition of every metric. */
  scrape(): Promise<string>;
  /** Loads gauges from the store and starts following it. */
  attach(target: TelemetryTarget): Promise<void>;
  /** Re-reads changed results from the store now. */
  refresh(): Promise<void>;
  /** Pushes pending OTLP data now. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 30_000;

/** Starts telemetry: metrics are recorded from now on and the record* functions route here. */
export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  const clock = options.clock ?? systemClock;
  // Bound once the instruments exist: every reader exports only the gauge series observed now.
  let exportable: (metrics: ResourceMetrics) => ResourceMetrics = (m) => m;
  const setup = createMeterSetup(options.env ?? process.env, (m) => exportable(m));
  const states = createCheckStates();
  let target: TelemetryTarget | undefined;
  let timer: Timer | undefined;
  // Checks this replica runs or last ran, by id: their latest progress (rows, estimate, rate, time left).
  const live = new Map<string, ProgressEvent>();
  // When any replica first declared each check's current definition, as the store keeps it.
  let declared: ReadonlyMap<string, DeclaredSince> = new Map();
  const metrics = createParityMetrics(setup.provider.getMeter('parity'), {
    catalog: () => target?.catalog(),
    states: () => states.view(),
    progress: () => live,
    declared: () => declared,
    // Asked of the gate at collection time, never judged here: one evaluation of "allowed".
    gates: async () => {
      const gates = target?.gates;
      const at = target;
      if (!at || !gates) return [];
      const phases = () => [...at.catalog().migrations.values()].flatMap((m) => m.spec.phases.map((p) => ({ migration: m.spec.id, phase: p.name })));
      return readGateStates(phases, (migration, phase) => gates.preview(migration, phase), { prepare: () => at.ensureCurrentCatalog?.() ?? Promise.resolve() });
    },
    now: () => clock.now(),
  });
  exportable = metrics.exportable;
  const deactivate = activateRecorders(metrics);
  const stopProcessMetrics = observeProcessMetrics(setup.provider.getMeter('parity'));
  const triggers = new Map<string, string>();

  const observer: RunObserver = {
    runStarted: (run) => void triggers.set(run.id, run.trigger),
    progress: (event) => void live.set(event.checkId, event),
    checkFinished: ({ runId, check, resultId, result }) => {
      // A finished check keeps its last figures with nothing left: the exporter would otherwise repeat a stale time left.
      const last = live.get(check.spec.id);
      if (last) live.set(check.spec.id, { ...last, etaSeconds: 0 });
      const rowsScanned = result.observations.rows_scanned;
      metrics.recordCheck({
        checkId: check.spec.id, kind: check.spec.kind, status: result.status, trigger: triggers.get(runId) ?? 'unknown',
        durationMs: result.durationMs, rowsScanned: typeof rowsScanned === 'number' ? rowsScanned : undefined,
      });
      states.apply(check.spec.id, {
        resultId, kind: check.spec.kind, status: result.status, definitionHash: check.hash,
        startedAt: new Date(result.finishedAt.getTime() - result.durationMs), finishedAt: result.finishedAt,
        observations: result.observations, summary: result.summary, error: result.error ?? null,
      });
    },
    runFinished: (run) => void triggers.delete(run.id),
  };

  const refresh = async () => {
    if (!target) return;
    const from = target;
    // Each step reads or writes its own table: one that fails (a lock, a full disk) must not keep
    // the others' panels stale. All run; the failures are reported after.
    const failures: unknown[] = [];
    for (const step of [
      () => states.syncFromStore(from.store, [...from.catalog().checks.keys()]),
      () => declareDefinitions(from),
      () => importCliResults(from),
    ]) {
      await step().catch((error: unknown) => void failures.push(error));
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `telemetry refresh: ${failures.length} of its steps failed`);
  };

  /** Records the catalog's definitions in the store and keeps when each was first declared there. */
  const declareDefinitions = async (from: TelemetryTarget) => {
    if (!from.store.declareDefinitions) return;
    const definitions = [...from.catalog().checks].map(([checkId, loaded]) => ({ checkId, hash: loaded.hash }));
    const firstDeclared = await from.store.declareDefinitions(definitions);
    declared = new Map(definitions.flatMap(({ checkId, hash }) => {
      const at = firstDeclared.get(checkId);
      return at ? [[checkId, { hash, at: at.getTime() }] as const] : [];
    }));
  };

  /** Counts runs made by `parity run` against this store (trigger "cli") into the run, duration and rows metrics. */
  const importCliResults = async (from: TelemetryTarget) => {
    if (!from.store.claimCliResultsForMetrics || !from.config) return;
    const since = new Date(clock.now().getTime() - CLI_IMPORT_LOOKBACK_MS);
    for (;;) {
      const batch = await from.store.claimCliResultsForMetrics(from.config.instanceId, since, CLI_IMPORT_BATCH);
      for (const r of batch) {
        metrics.recordCheck({ checkId: r.checkId, kind: r.kind, status: r.status, trigger: 'cli', durationMs: r.durationMs, rowsScanned: r.rowsScanned ?? undefined });
      }
      if (batch.length < CLI_IMPORT_BATCH) return;
    }
  };

  return {
    observer,
    metrics,
    httpMiddleware: httpMetricsMiddleware(setup.provider),
    otlpUrl: setup.otlpUrl,
    scrape: () => setup.scrape(),
    async attach(next) {
      target = next;
      // A store hiccup at start-up must not keep the API down; the timer fills the gauges in later.
      await refresh().catch((error: unknown) => options.logger?.warn({ err: error }, 'telemetry: could not load gauges from the store'));
      if (timer) return;
      // The clock's timers never keep the process alive: telemetry must not be what does.
      timer = clock.every(options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS, () => {
        refresh().catch((error: unknown) => options.logger?.warn({ err: error }, 'telemetry: could not refresh gauges from the store'));
      });
    },
    refresh,
    flush: () => setup.flush(),
    async shutdown() {
      timer?.cancel();
      timer = undefined;
      deactivate();
      // Shut the provider down first so a final OTLP push still carries the gauges.
      await setup.shutdown();
      metrics.close();
      stopProcessMetrics();
    },
  };
}

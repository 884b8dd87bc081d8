/**
 * The instruments of instruments.ts, created on a meter. Counters and the histogram are recorded
 * as events happen; every per-check and per-gate gauge is observed at collection time from the
 * in-memory check states and the gate, and only what a collection observed is exported
 * (`exportable`, observed-series.ts): checks removed from the catalog disappear from the output.
 */
import type { BatchObservableResult, Counter, Gauge, Histogram, Meter, Observable, ObservableGauge } from '@opentelemetry/api';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Catalog } from '../catalog/catalog.js';
import { attributesFor } from './attributes.js';
import type { CheckState } from './check-state.js';
import { expectedIntervals } from './expected-interval.js';
import type { GateState } from './gate-states.js';
import { backfillProgress } from './backfill-progress.js';
import { createObservedSeries } from './observed-series.js';
import type { ProgressEvent } from '../runner/run-types.js';
import { DIFFERENCE_TYPES, RESULT_STATUSES, instruments, type InstrumentSpec } from './instruments.js';

/** What the gauges read when they are collected. */
export interface MetricsView {
  catalog(): Catalog | undefined;
  states(): ReadonlyMap<string, CheckState>;
  /** Latest progress of each check this replica ran or is running (a finished one with time left 0). */
  progress?(): ReadonlyMap<string, ProgressEvent>;
  /**
   * When each check's definition was first declared by any replica, as the state store keeps it
   * (telemetry.ts); absent or without a check's current definition, this replica's own first
   * sight of it stands in.
   */
  declared?(): ReadonlyMap<string, DeclaredSince>;
  /**
   * Every declared phase's verdict as the gate itself gives it (gate-states.ts); never rejects.
   * Absent: the gate gauges are not observed (there is no other way to judge a gate).
   */
  gates?(): Promise<readonly GateState[]>;
  now(): Date;
}

/** A check definition (its hash) and when it was first declared, in epoch milliseconds. */
export interface DeclaredSince { readonly hash: string; readonly at: number }

export interface CheckRecord { checkId: string; kind: string; status: string; trigger: string; durationMs: number; rowsScanned?: number | undefined }
export interface GateDecision { migration: string; phase: string; allowed: boolean }

/** The recording side of parity's metrics. */
export interface ParityMetrics {
  recordCheck(record: CheckRecord): void;
  recordGateDecision(decision: GateDecision): void;
  recordSlotClaimed(slot: { checkId: string }): void;
  recordSlotSkipped(slot: { checkId: string; reason: string }): void;
  recordRunAborted(count?: number): void;
  recordSchedulerTick(at: Date): void;
  /** Notes whether the check files loaded (parity_catalog_valid; a failure also counts a reload failure). */
  recordCatalogLoad(valid: boolean): void;
  /**
   * The collected metrics as they may be exported: a gauge's series only as its latest collection
   * observed them (the SDK would repeat every series ever observed). Every reader exports through it.
   */
  exportable(metrics: ResourceMetrics): ResourceMetrics;
  /** Stops observing the gauges (the provider keeps their last export). */
  close(): void;
}

const options = (spec: InstrumentSpec) => ({
  description: spec.description,
  unit: spec.unit,
  ...(spec.buckets ? { advice: { explicitBucketBoundaries: [...spec.buckets] } } : {}),
});

/** Creates every parity instrument on the meter; gauges observe `view`. */
export function createParityMetrics(meter: Meter, view: MetricsView): ParityMetrics {
  const i = instruments;
  const counter = (spec: InstrumentSpec): Counter => meter.createCounter(spec.name, options(spec));
  const gaugeNames = new Map<Observable, string>();
  const gauge = (spec: InstrumentSpec): ObservableGauge => {
    const created = meter.createObservableGauge(spec.name, options(spec));
    gaugeNames.set(created, spec.name);
    return created;
  };
  const series = createObservedSeries();
  const namesOf = (observables: Observable[]) => new Map(observables.map((o) => [o, gaugeNames.get(o)!]));
  const checkRuns = counter(i.checkRuns);
  const rowsScanned = counter(i.rowsScanned);
  const gateDecisions = counter(i.gateDecisions);
  const slotsClaimed = counter(i.slotsClaimed);
  const slotsSkipped = counter(i.slotsSkipped);
  const runsAborted = counter(i.runsAborted);
  const duration: Histogram = meter.createHistogram(i.checkDuration.name, options(i.checkDuration));
  const tick: Gauge = meter.createGauge(i.schedulerTick.name, options(i.schedulerTick));
  const catalogValid: Gauge = meter.createGauge(i.catalogValid.name, options(i.catalogValid));
  const reloadFailures = counter(i.catalogReloadFailures);
  // Present from the start, so "no aborted runs" is a 0 and not an absent series.
  runsAborted.add(0);
  reloadFailures.add(0);

  const observed = {
    status: gauge(i.checkStatus), mismatches: gauge(i.mismatches), lowerBound: gauge(i.countsLowerBound), ratio: gauge(i.mismatchRatio),
    differences: gauge(i.differences), upperBound: gauge(i.shadowReadUpperBound), coverage: gauge(i.windowCoverage), lastSuccess: gauge(i.lastSuccess),
    lastVerified: gauge(i.lastVerified), awaiting: gauge(i.awaitingVerification), errors: gauge(i.consecutiveErrors), interval: gauge(i.expectedInterval),
    scheduled: gauge(i.scheduledChecks),
    progressRows: gauge(i.progressRows), progressEstimated: gauge(i.progressRowsEstimated), progressRate: gauge(i.progressRate), progressEta: gauge(i.progressEta),
    backfillRemaining: gauge(i.backfillRemaining), backfillRatio: gauge(i.backfillProgress), backfillRate: gauge(i.backfillRate), backfillEta: gauge(i.backfillEta),
    coverageFullPass: gauge(i.coverageFullPass), coveragePasses: gauge(i.coverageIncrementalPasses), coverageUnbroken: gauge(i.coverageUnbroken),
  };
  let intervals: { catalog: Catalog; at: number; byCheck: Map<string, number> } | undefined;
  const intervalsFor = (catalog: Catalog, now: Date) => {
    // Cron look-ahead is the only non-trivial work here; an hour-old answer is fine.
    if (!intervals || intervals.catalog !== catalog || now.getTime() - intervals.at > 3_600_000) {
      const checks = catalog.checks.values();
      const migrations = [...catalog.migrations.values()].map((m) => m.spec);
      intervals = { catalog, at: now.getTime(), byCheck: expectedIntervals(checks, migrations, now) };
    }
    return intervals.byCheck;
  };

  // When this replica first declared each check's current definition. An edited or new check has
  // no verification of its own yet; without a time to count from, ParityCheckNotVerified could
  // never fire for a check that never runs after an edit. The store's record of the first
  // declaration by any replica wins: this replica's own clock starts again when it restarts.
  const declaredSince = new Map<string, DeclaredSince>();
  const observe = (result: BatchObservableResult) => {
    const catalog = view.catalog();
    if (!catalog) return;
    const now = view.now();
    for (const id of declaredSince.keys()) if (!catalog.checks.has(id)) declaredSince.delete(id);
    const states = view.states();
    const byCheck = intervalsFor(catalog, now);
    let scheduled = 0;
    for (const [checkId, loaded] of catalog.checks) {
      const base = { check_id: checkId, kind: loaded.spec.kind };
      if (loaded.spec.schedule) scheduled++;
      const interval = byCheck.get(checkId);
      if (interval !== undefined) result.observe(observed.interval, interval, attributesFor(i.expectedInterval, base));
      const live = view.progress?.().get(checkId);
      if (live) {
        result.observe(observed.progressRows, live.rowsScanned, attributesFor(i.progressRows, base));
        // NaN, not silence, when a figure is unknown: the exporter would repeat a series' last value.
        result.observe(observed.progressEstimated, live.rowsEstimated ?? Number.NaN, attributesFor(i.progressRowsEstimated, base));
        result.observe(observed.progressRate, live.rowsPerSecond ?? Number.NaN, attributesFor(i.progressRate, base));
        result.observe(observed.progressEta, live.etaSeconds ?? Number.NaN, attributesFor(i.progressEta, base));
      }
      // What an older definition found is not how the check declared now stands (the gate says
      // stale_definition): until the current definition has a result, there is nothing to report.
      let declared = declaredSince.get(checkId);
      if (declared?.hash !== loaded.hash) declaredSince.set(checkId, declared = { hash: loaded.hash, at: now.getTime() });
      const kept = view.declared?.().get(checkId);
      if (kept?.hash === loaded.hash) declared = kept;
      const state = states.get(checkId);
      const current = state?.latest.definitionHash === loaded.hash ? state : undefined;
      if (!current?.lastVerifiedAt && interval !== undefined) {
        result.observe(observed.awaiting, declared.at / 1000, attributesFor(i.awaitingVerification, base));
      }
      if (!state || !current) continue;
      const backfill = backfillProgress(state.backfill);
      if (backfill) {
        result.observe(observed.backfillRemaining, backfill.remaining, attributesFor(i.backfillRemaining, base));
        result.observe(observed.backfillRatio, backfill.progressRatio, attributesFor(i.backfillProgress, base));
        // Always observed: the exporter keeps a series' last value once it is no longer observed, so an
        // unknown rate is NaN and a backfill that is not falling has an infinite time left, never a stale one.
        result.observe(observed.backfillRate, backfill.rowsPerMinute ?? Number.NaN, attributesFor(i.backfillRate, base));
        const eta = backfill.etaSeconds ?? (backfill.rowsPerMinute === null ? Number.NaN : Number.POSITIVE_INFINITY);
        result.observe(observed.backfillEta, eta, attributesFor(i.backfillEta, base));
      }
      for (const status of RESULT_STATUSES) {
        result.observe(observed.status, state.latest.status === status ? 1 : 0, attributesFor(i.checkStatus, { ...base, status }));
      }
      if (state.mismatches !== undefined) {
        result.observe(observed.mismatches, state.mismatches, attributesFor(i.mismatches, base));
        // Beside every count: a stopped-early scan's count is "at least", and a panel or query must be able to tell.
        result.observe(observed.lowerBound, state.countsAreLowerBounds ? 1 : 0, attributesFor(i.countsLowerBound, base));
      }
      if (state.mismatchRatio !== undefined) result.observe(observed.ratio, state.mismatchRatio, attributesFor(i.mismatchRatio, base));
      for (const type of DIFFERENCE_TYPES) {
        const value = state.differences[type];
        if (value !== undefined) result.observe(observed.differences, value, attributesFor(i.differences, { ...base, type }));
      }
      if (state.mismatchRateUpperBound !== undefined) {
        result.observe(observed.upperBound, state.mismatchRateUpperBound, attributesFor(i.shadowReadUpperBound, base));
      }
      if (state.windowCoverage !== undefined) result.observe(observed.coverage, state.windowCoverage, attributesFor(i.windowCoverage, base));
      if (state.coverage) {
        result.observe(observed.coverageFullPass, Date.parse(state.coverage.full_pass_at) / 1000, attributesFor(i.coverageFullPass, base));
        result.observe(observed.coveragePasses, state.coverage.incremental_passes, attributesFor(i.coverageIncrementalPasses, base));
        result.observe(observed.coverageUnbroken, state.coverage.unbroken ? 1 : 0, attributesFor(i.coverageUnbroken, base));
      }
      if (state.lastSuccessAt) result.observe(observed.lastSuccess, state.lastSuccessAt.getTime() / 1000, attributesFor(i.lastSuccess, base));
      if (state.lastVerifiedAt) result.observe(observed.lastVerified, state.lastVerifiedAt.getTime() / 1000, attributesFor(i.lastVerified, base));
      result.observe(observed.errors, state.consecutiveErrors, attributesFor(i.consecutiveErrors, base));
    }
    result.observe(observed.scheduled, scheduled);
  };
  const observables = Object.values(observed);
  const observeChecks = series.track(observe, namesOf(observables));
  meter.addBatchObservableCallback(observeChecks, observables);

  // The gate gauges ask the gate (asynchronously, so in a callback of their own: a slow store must
  // not cost the check gauges their collection). The exporter repeats a series it is no longer told
  // about, so a phase observed once and no longer declared is told "not allowed" from then on.
  const gateGauges = { allowed: gauge(i.gateAllowed), awaiting: gauge(i.gateAwaiting) };
  const gatesSeen = new Map<string, { migration: string; phase: string }>();
  const observeGates = async (result: BatchObservableResult) => {
    if (!view.gates) return;
    const states = await view.gates();
    const current = new Set<string>();
    for (const gate of states) {
      const key = JSON.stringify([gate.migration, gate.phase]);
      current.add(key);
      gatesSeen.set(key, { migration: gate.migration, phase: gate.phase });
      const labels = { migration: gate.migration, phase: gate.phase };
      result.observe(gateGauges.allowed, gate.allowed ? 1 : 0, attributesFor(i.gateAllowed, labels));
      result.observe(gateGauges.awaiting, gate.awaiting ? 1 : 0, attributesFor(i.gateAwaiting, labels));
    }
    for (const [key, labels] of gatesSeen) {
      if (current.has(key)) continue;
      result.observe(gateGauges.allowed, 0, attributesFor(i.gateAllowed, labels));
      result.observe(gateGauges.awaiting, 0, attributesFor(i.gateAwaiting, labels));
    }
  };
  const gateObservables = Object.values(gateGauges);
  const observeGateGauges = series.track(observeGates, namesOf(gateObservables));
  meter.addBatchObservableCallback(observeGateGauges, gateObservables);

  return {
    recordCheck(record) {
      const base = { check_id: record.checkId, kind: record.kind };
      checkRuns.add(1, attributesFor(i.checkRuns, { ...base, status: record.status, trigger: record.trigger }));
      duration.record(record.durationMs / 1000, attributesFor(i.checkDuration, { ...base, status: record.status }));
      if (record.rowsScanned !== undefined && Number.isFinite(record.rowsScanned) && record.rowsScanned >= 0) {
        rowsScanned.add(record.rowsScanned, attributesFor(i.rowsScanned, base));
      }
    },
    recordGateDecision(decision) {
      gateDecisions.add(1, attributesFor(i.gateDecisions, {
        migration: decision.migration, phase: decision.phase, decision: decision.allowed ? 'allowed' : 'denied',
      }));
    },
    recordSlotClaimed(slot) {
      slotsClaimed.add(1, attributesFor(i.slotsClaimed, { check_id: slot.checkId }));
    },
    recordSlotSkipped(slot) {
      slotsSkipped.add(1, attributesFor(i.slotsSkipped, { check_id: slot.checkId, reason: slot.reason }));
    },
    recordRunAborted(count = 1) {
      runsAborted.add(count);
    },
    recordSchedulerTick(at) {
      tick.record(at.getTime() / 1000);
    },
    recordCatalogLoad(valid) {
      catalogValid.record(valid ? 1 : 0);
      if (!valid) reloadFailures.add(1);
    },
    exportable: (metrics) => series.exportable(metrics),
    close() {
      meter.removeBatchObservableCallback(observeChecks, observables);
      meter.removeBatchObservableCallback(observeGateGauges, gateObservables);
    },
  };
}

/**
 * The progress and backfill gauges: a running check's rows, estimate, rate and time left while it
 * runs (gone once it finishes), and a null_check's backfill figures from its results.
 */
import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../../src/telemetry/telemetry.js';
import { catalogFromYaml } from '../support/run-check.js';
import { parseExposition } from './exposition.js';
import type { FinishedResult } from '../../src/store/runs.js';

const catalog = catalogFromYaml(`
checks:
  - { id: users-name-filled, kind: null_check, source: app, table: public.users, columns: [first_name] }
  - { id: users-count, kind: row_count, old: { source: app, table: public.a }, new: { source: app, table: public.b } }
`, { app: { engine: 'pglite', url: 'embedded:unused', dataDir: 'memory:unused', exec: async () => [], close: async () => {} } });

const T0 = Date.parse('2026-01-01T00:00:00Z');
const finished = (minutes: number, remaining: number): FinishedResult => ({
  status: remaining === 0 ? 'pass' : 'fail', summary: 's', observations: { rows: 1_000, rows_with_nulls: remaining, mismatches: remaining },
  statements: [], samples: [], finishedAt: new Date(T0 + minutes * 60_000), durationMs: 10,
});

describe('progress and backfill gauges', () => {
  it('show a running check while it runs and a null_check\'s backfill from its results', async () => {
    const telemetry = createTelemetry({ env: {} });
    try {
      await telemetry.attach({ catalog: () => catalog, store: { latestFinished: async () => new Map(), checkHistory: async () => [] } });
      const count = catalog.checks.get('users-count')!;
      const filled = catalog.checks.get('users-name-filled')!;
      telemetry.observer.progress?.({
        runId: 'r', checkId: 'users-count', rowsScanned: 40_000, rowsEstimated: 100_000, at: new Date(T0 + 20_000), startedAt: new Date(T0), rowsPerSecond: 2_000, etaSeconds: 30,
      });
      for (const [minutes, remaining] of [[0, 600], [5, 500], [10, 400], [15, 300]] as const) {
        telemetry.observer.checkFinished?.({ runId: 'r', check: filled, resultId: `r${minutes}`, result: finished(minutes, remaining) });
      }
      let scrape = parseExposition(await telemetry.scrape());
      const running = { check_id: 'users-count', kind: 'row_count' };
      expect(scrape.value('parity_check_progress_rows', running)).toBe(40_000);
      expect(scrape.value('parity_check_progress_rows_estimated', running)).toBe(100_000);
      expect(scrape.value('parity_check_progress_rows_per_second', running)).toBe(2_000);
      expect(scrape.value('parity_check_progress_eta_seconds', running)).toBe(30);
      const backfill = { check_id: 'users-name-filled', kind: 'null_check' };
      expect(scrape.value('parity_backfill_remaining_rows', backfill)).toBe(300);
      expect(scrape.value('parity_backfill_progress_ratio', backfill)).toBe(0.7);
      expect(scrape.value('parity_backfill_rows_per_minute', backfill)).toBe(20);
      expect(scrape.value('parity_backfill_eta_seconds', backfill)).toBe(900);
      expect(scrape.find('parity_backfill_remaining_rows', { check_id: 'users-count' })).toEqual([]);

      // Finished: nothing left of that run (never a stale time left); a stalled backfill keeps its rows
      // left, with rate 0 and an infinite time left.
      telemetry.observer.checkFinished?.({ runId: 'r', check: count, resultId: 'c', result: finished(16, 0) });
      telemetry.observer.checkFinished?.({ runId: 'r', check: filled, resultId: 'r40', result: finished(40, 300) });
      scrape = parseExposition(await telemetry.scrape());
      expect(scrape.value('parity_check_progress_eta_seconds', running)).toBe(0);
      expect(scrape.value('parity_check_progress_rows', running)).toBe(40_000);
      expect(scrape.value('parity_backfill_rows_per_minute', backfill)).toBe(0);
      expect(scrape.value('parity_backfill_eta_seconds', backfill)).toBe(Number.POSITIVE_INFINITY);
    } finally {
      await telemetry.shutdown();
    }
  });
  it('show the incremental coverage of a check\'s latest result, and a chain broken by an error', async () => {
    const telemetry = createTelemetry({ env: {} });
    try {
      await telemetry.attach({ catalog: () => catalog, store: { latestFinished: async () => new Map(), checkHistory: async () => [] } });
      const filled = catalog.checks.get('users-name-filled')!;
      const coverage = { full_pass_at: new Date(T0).toISOString(), incremental_passes: 3, unbroken: true, last_at: new Date(T0 + 3_600_000).toISOString() };
      const pass: FinishedResult = { ...finished(60, 0), observations: { rows: 1_000, rows_with_nulls: 0, coverage } };
      telemetry.observer.checkFinished?.({ runId: 'r', check: filled, resultId: 'i3', result: pass });
      const labels = { check_id: 'users-name-filled', kind: 'null_check' };
      let scrape = parseExposition(await telemetry.scrape());
      expect(scrape.value('parity_check_coverage_full_pass_timestamp_seconds', labels)).toBe(T0 / 1000);
      expect(scrape.value('parity_check_coverage_incremental_passes', labels)).toBe(3);
      expect(scrape.value('parity_check_coverage_unbroken', labels)).toBe(1);
      expect(scrape.find('parity_check_coverage_unbroken', { check_id: 'users-count' })).toEqual([]);

      const error: FinishedResult = { ...finished(61, 0), status: 'error', observations: {} };
      telemetry.observer.checkFinished?.({ runId: 'r', check: filled, resultId: 'e', result: error });
      scrape = parseExposition(await telemetry.scrape());
      expect(scrape.value('parity_check_coverage_unbroken', labels)).toBe(0);
      expect(scrape.value('parity_check_coverage_incremental_passes', labels)).toBe(3);
    } finally {
      await telemetry.shutdown();
    }
  });
});

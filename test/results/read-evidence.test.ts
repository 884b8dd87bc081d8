import { describe, expect, it } from 'vitest';
import { finalProgressOf, readEvidence } from '../../src/results/read-evidence.js';
import { finalProgress } from '../../src/runner/progress-rate.js';
import type { ReplicaLag } from '../../src/results/replica-lag.js';

const lag = (over: Partial<ReplicaLag>): ReplicaLag => ({ state: 'primary', lag_ms: 0, replay_paused: null, receive_lsn: null, replay_lsn: null, max_replica_lag_ms: null, ...over });

describe('readEvidence', () => {
  it('says nothing for a plain result read on a primary without a limit, or one stored before these fields existed', () => {
    expect(readEvidence({ observations: { rows: 3 }, servers: { app: { replica_lag: lag({}) } } })).toEqual([]);
    expect(readEvidence({ observations: {}, servers: undefined })).toEqual([]);
    // Another shape (an older or newer version wrote it) is left out, not guessed at.
    expect(readEvidence({ observations: { progress: { rows: 'many' }, coverage: 'full', resumed_from: { run_id: 7 } } })).toEqual([]);
  });

  it('shows a standby\'s lag, paused replay, an unknown lag and the limit', () => {
    const lines = readEvidence({
      observations: {},
      servers: {
        replica: { replica_lag: lag({ state: 'behind', lag_ms: 12_500, replay_paused: true, max_replica_lag_ms: 30_000 }) },
        cold: { replica_lag: lag({ state: 'unknown', lag_ms: null }) },
        primary: { replica_lag: lag({}) },
      },
    });
    expect(lines).toEqual([{ kind: 'replica_lag', text: 'read under replica lag: replica: 12.5 s (behind, replay paused, limit 30 s); cold: unknown (unknown)' }]);
  });

  it('states coverage, resumption and progress in a fixed order', () => {
    const lines = readEvidence({
      observations: {
        progress: { rows_scanned: 1_000_000, rows_estimated: 1_002_000, rows_per_second: 250_000, eta_seconds: 0.4, elapsed_seconds: 4, at: '2026-01-01T00:00:04.000Z' },
        coverage: { full_pass_at: '2026-01-01T00:00:00.000Z', incremental_passes: 3, unbroken: true, last_at: '2026-01-03T00:00:00.000Z' },
        resumed_from: { run_id: 'r1', chunks: 1, rows_scanned: 50_000, since: '2025-12-31T23:00:00.000Z' },
      },
    });
    expect(lines.map((l) => l.text)).toEqual([
      'resumed from run r1 (since 2025-12-31T23:00:00.000Z) after 1 chunk, 50,000 rows',
      'coverage: full pass at 2026-01-01T00:00:00.000Z + 3 incremental passes, unbroken, last at 2026-01-03T00:00:00.000Z',
      'read 1,000,000 of ~1,002,000 rows in 4 s at 250,000 rows/s; time left at the last report: 400 ms',
    ]);
  });

  it('says a read shorter than a second in milliseconds, never "0 s"', () => {
    const lines = readEvidence({ observations: { progress: { rows_scanned: 10, rows_estimated: 10, rows_per_second: 212.8, eta_seconds: 0, elapsed_seconds: 0.047, at: '2026-01-01T00:00:00.047Z' } } });
    expect(lines.map((l) => l.text)).toEqual(['read 10 of ~10 rows in 47 ms at 212.8 rows/s; time left at the last report: 0 ms']);
  });
});

describe('finalProgress', () => {
  it('keeps the last report\'s figures, and reads back through the stored shape', () => {
    const stored = finalProgress({ rowsScanned: 90, rowsEstimated: 100, rowsPerSecond: 45, etaSeconds: 0.2, startedAt: new Date(1_000), at: new Date(3_000) });
    expect(stored).toEqual({ rows_scanned: 90, rows_estimated: 100, rows_per_second: 45, eta_seconds: 0.2, elapsed_seconds: 2, at: '1970-01-01T00:00:03.000Z' });
    expect(finalProgressOf(JSON.parse(JSON.stringify({ progress: stored })))).toEqual(stored);
    expect(finalProgress({ rowsScanned: 0, rowsPerSecond: null, etaSeconds: null, startedAt: new Date(5), at: new Date(5) }).rows_estimated).toBeNull();
  });
});

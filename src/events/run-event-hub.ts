/**
 * Fans a run's events out to whoever is listening (the SSE route), keyed by run id. It is a
 * RunObserver, so the runner feeds it; listeners never block the runner and a throwing listener
 * is dropped rather than allowed to break the run.
 */
import type { ProgressEvent, RunObserver } from '../runner/run-types.js';

/** One event on a run's stream. Only ids, counts and statuses: no SQL, no samples. */
export type RunEvent =
  | {
    type: 'progress'; run_id: string; check_id: string; rows_scanned: number; rows_estimated: number | null;
    rows_per_second: number | null; eta_seconds: number | null; started_at: string; at: string;
  }
  | { type: 'check_started'; run_id: string; check_id: string; result_id: string }
  | ({ type: 'check_finished'; run_id: string; check_id: string; result_id: string; status: string; duration_ms: number | null; mismatches: number | null } & ScanEventFields)
  | { type: 'run_finished'; run_id: string; status: string; summary: { pass: number; fail: number; error: number; total: number } | null };

/** How a check's scan went, on its check_finished event: the run it resumed, and whether it stopped early. */
export interface ScanEventFields { resumed_from_run: string | null; counts_are_lower_bounds: boolean }

/** The scan fields of a result's observations (see runner/execute-check.ts). */
export function scanEventFields(observations: Record<string, unknown>): ScanEventFields {
  const resumed = observations.resumed_from as { run_id?: unknown } | undefined;
  return { resumed_from_run: typeof resumed?.run_id === 'string' ? resumed.run_id : null, counts_are_lower_bounds: observations.counts_are_lower_bounds === true };
}

export type RunEventListener = (event: RunEvent) => void;

export interface RunEventHub {
  readonly observer: RunObserver;
  /** Listens to one run's events; returns the function that stops listening. */
  subscribe(runId: string, listener: RunEventListener): () => void;
  /** Listeners currently attached (for tests and leak checks). */
  listenerCount(): number;
}

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The stream's form of a progress event: rows done, the estimate, rate and time left. */
export function progressRunEvent(e: ProgressEvent): Extract<RunEvent, { type: 'progress' }> {
  return {
    type: 'progress', run_id: e.runId, check_id: e.checkId, rows_scanned: e.rowsScanned, rows_estimated: e.rowsEstimated ?? null,
    rows_per_second: e.rowsPerSecond, eta_seconds: e.etaSeconds, started_at: e.startedAt.toISOString(), at: e.at.toISOString(),
  };
}

/** Creates a hub with no listeners. */
export function createRunEventHub(): RunEventHub {
  const listeners = new Map<string, Set<RunEventListener>>();
  const emit = (event: RunEvent) => {
    for (const listener of [...(listeners.get(event.run_id) ?? [])]) {
      try {
        listener(event);
      } catch {
        listeners.get(event.run_id)?.delete(listener);
      }
    }
  };
  return {
    observer: {
      checkStarted: ({ runId, check, resultId }) => emit({ type: 'check_started', run_id: runId, check_id: check.spec.id, result_id: resultId }),
      progress: (e) => emit(progressRunEvent(e)),
      checkFinished: ({ runId, check, resultId, result }) => emit({
        type: 'check_finished', run_id: runId, check_id: check.spec.id, result_id: resultId, status: result.status,
        duration_ms: result.durationMs, mismatches: numberOrNull(result.observations.mismatches), ...scanEventFields(result.observations),
      }),
      runFinished: (run) => emit({ type: 'run_finished', run_id: run.id, status: run.status, summary: run.summary ?? null }),
    },
    subscribe(runId, listener) {
      const set = listeners.get(runId) ?? new Set();
      set.add(listener);
      listeners.set(runId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(runId) === set) listeners.delete(runId);
      };
    },
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
  };
}

/**
 * What a run is, as its callers and observers see it: the request, progress events, observer
 * hooks, check leases and the runner's interface. The runner itself is runner.ts.
 */
import type { LoadedCheck } from '../catalog/catalog.js';
import type { ResultRecord, RunRecord, FinishedResult, HeldLease } from '../store/runs.js';

export type RunTrigger = 'api' | 'cli' | 'schedule' | 'gate' | 'demo';

export interface RunRequest {
  checks: LoadedCheck[];
  trigger: RunTrigger;
  requestedBy?: string | undefined;
  selector?: Record<string, unknown>;
  /** Scheduled slot the run serves, when the scheduler started it. */
  slot?: Date | undefined;
  /** `failing`: re-read only the keys each check's last failing result sampled (never gate evidence; see recheck.ts). */
  recheck?: 'failing' | undefined;
}

/** Where a check of a run stands: rows done against the estimate, with rate and time left (progress-rate.ts). */
export interface ProgressEvent {
  runId: string; checkId: string; rowsScanned: number; rowsEstimated?: number | undefined; at: Date;
  /** When the check began reading (after its lease), by the runner's clock. */
  startedAt: Date;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
}

/** Hooks for telemetry and streaming; every method is optional and must not throw. */
export interface RunObserver {
  runStarted?(run: RunRecord): void;
  checkStarted?(event: { runId: string; check: LoadedCheck; resultId: string }): void;
  checkFinished?(event: { runId: string; check: LoadedCheck; resultId: string; result: FinishedResult }): void;
  progress?(event: ProgressEvent): void;
  runFinished?(run: RunRecord & { results: ResultRecord[] }): void;
}

export type FinishedRun = RunRecord & { results: ResultRecord[] };

/** Permission to execute one check; `signal` aborts if the permission is lost mid-check. */
export interface CheckLease {
  readonly signal: AbortSignal;
  /**
   * The state store's lease row, when this permission is one: the runner then records the outcome
   * and releases the row in one transaction (`finishLeasedResult`), and only while it is still held.
   */
  readonly held?: HeldLease | undefined;
  /** True when taking the permission also stamped the result's read_at (the runner then does not). */
  readonly readingMarked?: boolean | undefined;
  /** Stops renewing and gives the permission back; `{ inStore: false }`: the row is already gone (released with the result, or lost). */
  release(options?: { inStore: boolean }): Promise<void>;
}

/** Keeps a check from overlapping itself across runs and replicas: waits its turn, or throws (code `busy`). */
export interface CheckGuard {
  /** `resultId`: the result about to read, whose read_at a store-backed guard stamps with the lease. */
  acquire(request: { checkId: string; runId: string; signal: AbortSignal; resultId?: string | undefined }): Promise<CheckLease>;
}

export interface Runner {
  /** Records the run and starts it; `finished` settles when every check has a result. */
  start(request: RunRequest): Promise<{ run: RunRecord; finished: Promise<FinishedRun> }>;
  /** Asks a run of this process to stop; running statements are cancelled. */
  cancel(runId: string): boolean;
  /** Latest progress per check of an active run. */
  progressOf(runId: string): ProgressEvent[] | undefined;
  /** Waits for every run of this process to finish. */
  drain(): Promise<void>;
}

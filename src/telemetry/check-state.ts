/**
 * What the gauges say about one check, as a pure fold over its finished results. The same fold
 * runs on a result the moment this replica finishes it and over the stored history at start-up,
 * so a restart reports the same values, not zeros.
 */
import { DIFFERENCE_TYPES } from './instruments.js';
import type { FaultInfo } from '../results/fault.js';
import { appendBackfillSample, backfillSample, type BackfillSample } from './backfill-progress.js';
import { coverageSchema, type Coverage } from '../results/read-evidence.js';

export type DifferenceType = (typeof DIFFERENCE_TYPES)[number];

/** The parts of a finished result the gauges depend on. */
export interface ResultFacts {
  resultId: string;
  kind: string;
  status: string;
  definitionHash: string;
  startedAt: Date;
  finishedAt: Date;
  observations: Record<string, unknown>;
  summary?: string | null | undefined;
  error?: FaultInfo | null | undefined;
}

export interface CheckState {
  kind: string;
  latest: ResultFacts;
  mismatches: number | undefined;
  /** The mismatch and difference counts are lower bounds: the scan stopped early (stop_after). */
  countsAreLowerBounds: boolean;
  mismatchRatio: number | undefined;
  differences: Partial<Record<DifferenceType, number>>;
  mismatchRateUpperBound: number | undefined;
  /** unused: how much of its window the latest result covered (also while it is still observing, an error). */
  windowCoverage: number | undefined;
  /** Newest pass. */
  lastSuccessAt: Date | undefined;
  /** Newest pass or fail: the check completed a verification, whatever it found. */
  lastVerifiedAt: Date | undefined;
  /** Newest results in a row that could not verify. */
  consecutiveErrors: number;
  /** null_check: rows still to backfill over time, oldest first (backfill-progress.ts). */
  backfill: BackfillSample[];
  /** Incremental checks: the chain the latest result closes (a result without one breaks the last known chain). */
  coverage: Coverage | undefined;
}

/** The latest result's chain; a result that recorded none (an error, a redefinition) leaves the last one broken. */
function coverageAfter(previous: Coverage | undefined, result: ResultFacts): Coverage | undefined {
  const parsed = coverageSchema.safeParse(result.observations.coverage);
  if (parsed.success) return parsed.data;
  return previous ? { ...previous, unbroken: false } : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** shadow_read's Clopper-Pearson upper bound of the mismatch rate. */
function upperBoundOf(observations: Record<string, unknown>): number | undefined {
  return finite(observations.mismatch_rate_upper_bound);
}

function later(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

function backfillAfter(history: BackfillSample[], result: ResultFacts): BackfillSample[] {
  const sample = backfillSample(result);
  return sample ? appendBackfillSample(history, sample) : history;
}

/**
 * Folds one more finished result into the state. Results older than the latest only move
 * timestamps. A state is about one definition: a result of another one starts the state afresh
 * when it is newer (the check was redefined) and is left out when it is older (a run of the
 * definition before finishing late): streaks, last success and findings never cross a redefinition.
 */
export function applyResult(previous: CheckState | undefined, result: ResultFacts): CheckState {
  if (previous && previous.latest.definitionHash !== result.definitionHash) {
    if (result.finishedAt.getTime() < previous.latest.finishedAt.getTime()) return previous;
    return applyResult(undefined, result);
  }
  const verified = result.status === 'pass' || result.status === 'fail';
  const lastSuccessAt = later(previous?.lastSuccessAt, result.status === 'pass' ? result.finishedAt : undefined);
  const lastVerifiedAt = later(previous?.lastVerifiedAt, verified ? result.finishedAt : undefined);
  if (previous && result.finishedAt.getTime() < previous.latest.finishedAt.getTime()) {
    return { ...previous, lastSuccessAt, lastVerifiedAt };
  }
  const differences: Partial<Record<DifferenceType, number>> = {};
  for (const type of DIFFERENCE_TYPES) {
    const value = finite(result.observations[type]);
    if (value !== undefined) differences[type] = value;
  }
  // An error carries no findings: keep showing the last known mismatches rather than a fake zero.
  const findings = result.status === 'error' && previous ? previous : undefined;
  return {
    kind: result.kind,
    latest: result,
    mismatches: findings ? findings.mismatches : finite(result.observations.mismatches),
    countsAreLowerBounds: findings ? findings.countsAreLowerBounds : result.observations.counts_are_lower_bounds === true,
    mismatchRatio: findings ? findings.mismatchRatio : finite(result.observations.mismatch_ratio),
    differences: findings ? findings.differences : differences,
    mismatchRateUpperBound: findings ? findings.mismatchRateUpperBound : upperBoundOf(result.observations),
    windowCoverage: finite(result.observations.coverage_ratio),
    lastSuccessAt,
    lastVerifiedAt,
    consecutiveErrors: result.status === 'error' ? (previous?.consecutiveErrors ?? 0) + 1 : 0,
    backfill: backfillAfter(previous?.backfill ?? [], result),
    coverage: coverageAfter(previous?.coverage, result),
  };
}

/**
 * The state after a history given newest first (as the store returns it). `known` supplies
 * timestamps older than the history reaches, so a truncated history never forgets a success.
 */
export function stateFromHistory(newestFirst: readonly ResultFacts[], known?: CheckState): CheckState | undefined {
  let state: CheckState | undefined;
  for (let i = newestFirst.length - 1; i >= 0; i--) state = applyResult(state, newestFirst[i]!);
  if (!state) return known;
  // Only a known state of the same definition can lend what the history no longer reaches.
  const lender = known?.latest.definitionHash === state.latest.definitionHash ? known : undefined;
  return {
    ...state,
    lastSuccessAt: later(state.lastSuccessAt, lender?.lastSuccessAt),
    lastVerifiedAt: later(state.lastVerifiedAt, lender?.lastVerifiedAt),
  };
}

/** Reads facts from a stored result row; undefined while it is still running. */
export function factsFromRecord(record: {
  id: string; kind: string; status: string; definitionHash: string; startedAt: Date; finishedAt: Date | null;
  observations: Record<string, unknown>; summary: string | null; error?: FaultInfo | null;
}): ResultFacts | undefined {
  if (!record.finishedAt || record.status === 'running') return undefined;
  return {
    resultId: record.id, kind: record.kind, status: record.status, definitionHash: record.definitionHash,
    startedAt: record.startedAt, finishedAt: record.finishedAt, observations: record.observations, summary: record.summary, error: record.error ?? null,
  };
}

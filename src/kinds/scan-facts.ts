/**
 * How a check's scans were answered, said once for every kind: a scan that stopped early or
 * resumed an interrupted run, in the summary and the observations — and the one rule of early
 * stops, that partial counts never pass.
 */
import { faultOutcome } from '../results/fault.js';
import type { Outcome } from '../results/outcome.js';
import { worseRecord } from '../results/replica-lag.js';
import type { ScanFacts } from './types.js';

/**
 * What the scans carried forward from interrupted runs, as one record: the oldest resumed start
 * (a check's scans may resume progress begun at different times) and, per source, the worst lag
 * any resumed progress was read under. Undefined when nothing was resumed.
 */
export function resumedOf(facts: readonly ScanFacts[]): ScanFacts['resumed'] {
  const resumed = facts.flatMap((f) => (f.resumed ? [f.resumed] : []));
  if (resumed.length === 0) return undefined;
  const oldest = resumed.reduce((a, b) => (Date.parse(b.since) < Date.parse(a.since) ? b : a));
  return { ...oldest, readUnder: resumed.reduce((record, r) => worseRecord(record, r.readUnder), {}) };
}

/**
 * Says in the outcome how its scans were answered, and holds the one rule of early stops: counts of
 * a scan that stopped early are lower bounds, which can prove a failure and never a pass — a kind
 * that judged such counts a pass has a bug, and its result is "could not verify".
 */
export function withScanFacts(outcome: Outcome, facts: readonly ScanFacts[]): Outcome {
  const stopped = facts.find((f) => f.stoppedEarly)?.stoppedEarly;
  const resumed = resumedOf(facts);
  if (stopped && outcome.status !== 'fail') {
    if (outcome.status === 'error') return outcome;
    return faultOutcome({ code: 'internal', message: 'a scan stopped early (its counts are lower bounds) yet the check was not judged a failure; partial counts never pass' }, outcome.observations);
  }
  const notes = [
    ...(stopped ? [`stopped early after ${stopped.chunks} ${stopped.unit === 'pass' ? (stopped.chunks === 1 ? 'pass' : 'passes') : (stopped.chunks === 1 ? 'chunk' : 'chunks')}: counts are lower bounds`] : []),
    ...(resumed ? [`resumed from run ${resumed.fromRun} after ${resumed.chunks} ${resumed.unit ?? 'chunk'}${resumed.chunks === 1 ? '' : 's'}`] : []),
  ];
  return notes.length === 0 ? outcome : { ...outcome, summary: `${outcome.summary} (${notes.join('; ')})` };
}

/** What a result read in key-range chunks, in separate transactions, takes for granted. */
export const KEYS_ASSUMED_STABLE = 'no primary key of the scanned table was updated while the scan ran (its chunks were separate transactions; snapshot: consistent or scan.mode: single do not assume it)';

/** Observations recording how the scans were answered (nothing for a plain scan). */
export function scanObservations(facts: readonly ScanFacts[]): Outcome['observations'] {
  const stopped = facts.find((f) => f.stoppedEarly)?.stoppedEarly;
  const resumed = resumedOf(facts);
  return {
    ...(facts.some((f) => f.keysAssumedStable) ? { assumption: KEYS_ASSUMED_STABLE } : {}),
    ...(stopped ? { stopped_early: { chunks: stopped.chunks }, counts_are_lower_bounds: true } : {}),
    ...(resumed ? { resumed_from: { run_id: resumed.fromRun, chunks: resumed.chunks, rows_scanned: resumed.rowsScanned, since: resumed.since, ...(resumed.unit ? { unit: resumed.unit } : {}), read_under: resumed.readUnder } } : {}),
  };
}

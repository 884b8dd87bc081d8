/**
 * `recheck: failing`: re-reads exactly the rows whose keys the check's last result sampled as
 * failing — fast feedback after a repair. A recheck is never gate evidence: its result is recorded
 * under its own id (`<check>:recheck`, which no declared check can have — ids never hold ":"), so
 * a gate asking for `<check>` never sees it, neither to pass nor to deny; only a full run can.
 */
import type { LoadedCheck } from '../catalog/catalog.js';
import { faultOutcome, type FaultInfo } from '../results/fault.js';
import type { Outcome } from '../results/outcome.js';
import type { ResultRecord } from '../store/runs.js';

/** The suffix of a recheck's result id: ":" is not allowed in check ids, so none is ever shadowed. */
export const RECHECK_SUFFIX = ':recheck';

/** What a recheck re-reads: the keys the last failing result sampled. */
export interface RecheckPlan {
  ofResult: string;
  keyColumns: string[];
  keys: string[][];
  /** Offending rows the last result counted (more than `keys` when it sampled only some). */
  failingBefore: number;
  /** Sampled keys that cannot be addressed (a NULL or missing key part). */
  unaddressable: number;
  /** The last result stopped early (stop_after): `failingBefore` is a lower bound, and chunks it never read may hold more. */
  failingIsLowerBound?: boolean;
}

/** Pure: the recheck of a check from its last finished result, or why there is none. */
export function planRecheck(checkId: string, last: ResultRecord | undefined): RecheckPlan | FaultInfo {
  if (!last) return { code: 'nothing_to_recheck', message: `check "${checkId}" has no result yet; recheck: failing re-reads the keys a failing result sampled` };
  if (last.status !== 'fail') return { code: 'nothing_to_recheck', message: `the last result of check "${checkId}" (${last.id}) is ${last.status}, not fail; recheck: failing re-reads the keys a failing result sampled` };
  const samples = last.samples ?? [];
  const keyColumns = Object.keys(samples[0]?.key ?? {});
  if (keyColumns.length === 0) return { code: 'nothing_to_recheck', message: `the failing result ${last.id} of check "${checkId}" sampled no keys (sample: 0?); there is nothing to re-read` };
  const keys: string[][] = [];
  const seen = new Set<string>();
  let unaddressable = 0;
  for (const sample of samples) {
    const parts = keyColumns.map((c) => sample.key[c]);
    if (!parts.every((p): p is string => typeof p === 'string')) unaddressable++;
    // One row per key: the rows found are compared with the keys asked for.
    else if (!seen.has(JSON.stringify(parts))) {
      seen.add(JSON.stringify(parts));
      keys.push(parts);
    }
  }
  const failingBefore = Number(last.observations.mismatches ?? samples.length);
  return {
    ofResult: last.id, keyColumns, keys, failingBefore: Number.isFinite(failingBefore) ? failingBefore : samples.length, unaddressable,
    ...(last.observations.counts_are_lower_bounds === true ? { failingIsLowerBound: true } : {}),
  };
}

/** The check as a recheck runs it: its own id (so no gate reads it), a hash no definition has. */
export function recheckOf(check: LoadedCheck): LoadedCheck {
  return { ...check, spec: { ...check.spec, id: `${check.spec.id}${RECHECK_SUFFIX}` }, hash: `recheck:${check.hash}` };
}

/**
 * The outcome of a recheck, saying what it covered and that it is no gate evidence. A pass over
 * only some of the failing rows (the last result sampled fewer keys than it counted, or some keys
 * cannot be addressed) proves nothing about the rest: it is "could not verify"
 * (`recheck_incomplete`), never a pass a CI step reads as "repaired". A failure stays a failure.
 */
export function recheckOutcome(outcome: Outcome, plan: RecheckPlan): Outcome {
  // A key the recheck found no row for was deleted, re-keyed (the row may still fail under its new
  // key) or moved out of the scope: what became of that row is unknown.
  const found = outcome.observations['rows'];
  const missing = typeof found === 'number' ? Math.max(0, plan.keys.length - found) : 0;
  const complete = plan.keys.length >= plan.failingBefore && plan.unaddressable === 0 && plan.failingIsLowerBound !== true && missing === 0;
  const scope = `recheck of ${plan.keys.length} key${plan.keys.length === 1 ? '' : 's'} that failed in result ${plan.ofResult}`
    + (plan.failingIsLowerBound === true ? ` (of at least ${plan.failingBefore} failing rows: that result stopped early)`
      : plan.keys.length < plan.failingBefore || plan.unaddressable > 0 ? ` (of ${plan.failingBefore} failing rows; only sampled keys are known)` : '');
  const observations = {
    ...outcome.observations,
    recheck: { of_result: plan.ofResult, keys: plan.keys.length, failing_before: plan.failingBefore, unaddressable_keys: plan.unaddressable, covers_every_failing_row: complete, gate_evidence: false },
  };
  // Every re-read key failed before, so one still differing is a repair not done, whatever
  // allowance (max_mismatches, max_nulls) the check grants over its whole scope.
  const stillFailing = outcome.observations['mismatches'];
  if (outcome.status === 'pass' && typeof stillFailing === 'number' && stillFailing > 0) {
    return { ...outcome, status: 'fail', summary: `${scope}: ${stillFailing} of them still fail (a recheck allows none: each re-read key failed before); ${outcome.summary}; not gate evidence — run the check in full to open a gate`, observations };
  }
  if (outcome.status === 'pass' && !complete) {
    const unread = Math.max(0, plan.failingBefore - plan.keys.length);
    const why = plan.failingIsLowerBound === true
      ? `result ${plan.ofResult} stopped early (stop_after), so its ${plan.failingBefore} failing row${plan.failingBefore === 1 ? ' is' : 's are'} a lower bound and the part of the table it never read may hold more`
      : missing > 0
        ? `${missing} of the ${plan.keys.length} keys ${missing === 1 ? 'has' : 'have'} no row in scope any longer (deleted, re-keyed — a row whose key changed may still fail — or moved out of the scope)`
        : `${unread > 0 ? `${unread} more failing row${unread === 1 ? '' : 's'}` : `${plan.unaddressable} unaddressable key${plan.unaddressable === 1 ? '' : 's'}`} were not re-read`;
    const fault = {
      code: 'recheck_incomplete',
      message: `${scope}: those keys pass now, but ${why} — run the check in full${plan.failingIsLowerBound === true || missing > 0 ? '' : ' (or raise sample)'} to verify the repair`,
    };
    return { ...faultOutcome(fault, observations), samples: outcome.samples };
  }
  return { ...outcome, summary: `${scope}: ${outcome.summary}; not gate evidence — run the check in full to open a gate`, observations };
}

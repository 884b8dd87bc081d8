/**
 * "Could not verify", defined once: the fault a check records instead of a finding, the one error
 * type that carries it, and the one place its summary is phrased. A fault is never a pass.
 */
import type { FaultInfo, Outcome } from './outcome.js';

export type { FaultInfo } from './outcome.js';

/**
 * The one error type for "could not verify": kinds, the runner, the guard and the drivers throw it
 * (or a subclass) with a stable code, and the runner records its fault as the result.
 */
export class Fault extends Error {
  override name = 'Fault';
  readonly fault: FaultInfo;
  constructor(fault: FaultInfo, options?: { cause?: unknown }) {
    super(fault.message, options);
    this.fault = fault;
  }

  /** The stable machine code (timeout, busy, duplicate_key, …). */
  get code(): string {
    return this.fault.code;
  }
}

/**
 * Whether `error` is a fault the server answered with a SQLSTATE of one of `classes` (two-character
 * class codes): how a probe tells the server refusing what a statement computes (a cast, a type,
 * an overflow) from the read itself failing (a timeout, a lost connection — no class listed).
 */
export function faultInClasses(error: unknown, classes: ReadonlySet<string>): boolean {
  const sqlstate = error instanceof Fault ? error.fault.sqlstate : undefined;
  return sqlstate !== undefined && classes.has(sqlstate.slice(0, 2));
}

/** The summary a person reads for a fault; the only place "could not verify" is phrased. */
export function couldNotVerify(fault: FaultInfo): string {
  return `could not verify: ${fault.code}: ${fault.message}`;
}

/** An outcome for "could not verify", optionally keeping what was observed before the fault. */
export function faultOutcome(fault: FaultInfo, observations: Outcome['observations'] = {}): Outcome {
  return { status: 'error', summary: couldNotVerify(fault), observations, samples: [], error: fault };
}

/**
 * The fault for an absolute threshold that every row being wrong could stay within: `everyRowWrong`
 * is the fewest the count can be when every row in scope is wrong (the rows of a one-sided scope;
 * for two sides matched by key, the larger side's rows — a key kept on both sides with its values
 * changed counts once, not twice), so at `threshold` or above the check could pass with no row
 * right. Undefined for an empty scope (min_rows judged that) or a lower threshold.
 */
export function thresholdCoversScope(threshold: number | undefined, everyRowWrong: number, what: string): FaultInfo | undefined {
  if (threshold === undefined || everyRowWrong === 0 || threshold < everyRowWrong) return undefined;
  return { code: 'threshold_covers_scope', message: `${what} is ${threshold}, and with every row wrong the count could be as low as ${everyRowWrong}: the check would still pass, so it cannot tell a right migration from a wrong one — set it below ${everyRowWrong} (or use the ratio form)` };
}

/**
 * The fault for a scope smaller than `min_rows`, or undefined when the scope is big enough.
 * `what` names the scope in words ("rows in public.users where status = 'x'").
 */
export function scopeTooSmall(rows: number, minRows: number, what: string): FaultInfo | undefined {
  if (rows >= minRows) return undefined;
  return { code: 'scope_too_small', message: `${rows} ${what}, fewer than min_rows ${minRows}; an empty or near-empty scope proves nothing (a typo in "where"?) — set min_rows: 0 only if an empty scope is expected` };
}

/** How a scope was found to depend on the values a check reads (kinds/lineage/scope-lineage.ts). */
export type ScopeDependence =
  /** A filter reads `columns`, which checked value number `value` is read from. */
  | { standing: 'reads'; value: number; columns: string[] }
  /** The checked rows pass through `node`, which drops rows by no condition the plan prints. */
  | { standing: 'cut'; node: string }
  | { standing: 'untold' };

/**
 * The fault for a scope that may leave out exactly the rows a check would fail on: a filter reading
 * what is counted (null_check) or compared (column_parity). `scope` names the rows in words,
 * `values` the checked values as the check file writes them.
 */
export function scopeReadsChecked(what: 'counted' | 'compared', scope: string, values: readonly string[], found: ScopeDependence): FaultInfo {
  const wrong = what === 'counted' ? 'NULL' : 'wrong';
  const code = `scope_reads_${what}`;
  if (found.standing === 'reads') {
    const value = values[found.value] ?? '';
    const escape = what === 'counted' ? `, or write that condition as "${value} is null or (…)"` : '';
    return { code, message: `a filter on the ${scope} reads ${found.columns.join(', ')}, which the ${what} value ${value} is read from (by name, through a view, or as the input of a stored generated column): rows it leaves out are never ${what}, and they may be exactly the rows where it is ${wrong}; filter on columns the ${what} values are not read from${escape}` };
  }
  if (found.standing === 'cut') {
    return { code, message: `the ${scope} pass through a ${found.node} node (a view's LIMIT/OFFSET, DISTINCT, GROUP BY or aggregate, INTERSECT/EXCEPT, a set-returning function, TABLESAMPLE, or a foreign or custom scan whose filters the plan does not show): which rows it keeps may depend on the ${what} values, so rows where they are ${wrong} may never be ${what}; check the table the view reads` };
  }
  return { code, message: `what the filters on the ${scope} read cannot be told from the plan (a function that is no built-in, a whole-row reference, a window function, an index whose name no longer resolves): they may leave out exactly the rows where the ${what} values are ${wrong}; filter with built-ins over plain columns` };
}

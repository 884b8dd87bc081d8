/**
 * Executes one check and always returns a finished result. Findings come back as pass/fail;
 * every fault (timeout, lost connection, missing table, bug) becomes `error` — never a pass.
 */
import { kindOf } from '../catalog/registry.js';
import type { Outcome } from '../results/outcome.js';
import { Fault, faultOutcome, type FaultInfo } from '../results/fault.js';
import type { LoadedCheck } from '../catalog/load.js';
import { classifyError } from '../sources/errors.js';
import { redact, redactDeep } from '../logging/secrets.js';
import type { FinishedResult } from '../store/runs.js';
import { createExecutionContext, type ContextDeps } from './context.js';
import { planScansOf } from './scans.js';
import type { CountScan } from '../kinds/types.js';

export type ExecuteDeps = Omit<ContextDeps, 'checkId' | 'timeoutMs'> & {
  /** The check's count scans as planned for the run's scan engine (planned here when absent). */
  planned?: readonly CountScan[] | undefined;
};

/** Runs the check's kind through a fresh context; never throws. */
export async function executeCheck(check: LoadedCheck, deps: ExecuteDeps): Promise<FinishedResult> {
  const started = performance.now();
  const ctx = createExecutionContext({ ...deps, checkId: check.spec.id, timeoutMs: check.spec.timeout });
  let outcome: Outcome;
  try {
    const kind = kindOf(check.spec.kind);
    if (!kind) throw new Error(`unknown kind ${check.spec.kind}`);
    // Planned once: the engine fused these very objects with other checks' scans.
    const planned = deps.planned ?? planScansOf(check);
    const counts = await Promise.all(planned.map((scan) => ctx.countPlanned(scan)));
    outcome = await kind.execute(check.spec, ctx, counts);
    if (deps.signal.aborted) outcome = faultOutcome({ code: 'cancelled', message: 'cancelled before the check finished' });
  } catch (error) {
    outcome = faultOutcome(faultOf(error, deps.signal.aborted));
  }
  // Everything stored is redacted once here: a secret (a URL credential, a header value) may sit
  // in any part of an outcome, including a fault a kind returned rather than threw and its samples.
  return {
    status: outcome.status,
    summary: redact(outcome.summary),
    observations: redactDeep(outcome.observations) as Record<string, unknown>,
    statements: redactDeep(ctx.statements),
    // A kind may return a fault it phrased itself; it is stored, so it is scrubbed like the rest.
    error: outcome.error ? redactDeep(outcome.error) : null,
    samples: redactDeep(outcome.samples),
    finishedAt: deps.now(),
    durationMs: Math.round(performance.now() - started),
  };
}

/** The fault behind an exception: a Fault's own, a cancellation, a driver error's class, or a bug. */
export function faultOf(error: unknown, aborted: boolean): FaultInfo {
  if (error instanceof Fault) return { ...error.fault, message: redact(error.fault.message) };
  if (aborted || (error as Error)?.name === 'AbortError') return { code: 'cancelled', message: 'cancelled before the check finished' };
  if ((error as { code?: unknown })?.code !== undefined) return classifyError(error);
  return { code: 'internal', message: redact(error instanceof Error ? error.message : String(error)) };
}

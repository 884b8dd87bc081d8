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
import { createServerInspector, type ServerInspector } from './server-evidence.js';
import type { ServerIdentity } from '../results/server-identity.js';
import { lagFault, mergeLags, readLags, type LagReadings } from './replica-lag-guard.js';

export type ExecuteDeps = Omit<ContextDeps, 'checkId' | 'timeoutMs'> & {
  /** The check's count scans as planned for the run's scan engine (planned here when absent). */
  planned?: readonly CountScan[] | undefined;
  /** The run's per-source server identity and preflight; a fresh one per check when absent. */
  inspect?: ServerInspector | undefined;
};

/** Runs the check's kind through a fresh context; never throws. */
export async function executeCheck(check: LoadedCheck, deps: ExecuteDeps): Promise<FinishedResult> {
  const started = performance.now();
  const ctx = createExecutionContext({ ...deps, checkId: check.spec.id, timeoutMs: check.spec.timeout });
  const inspect = deps.inspect ?? createServerInspector(deps.sources);
  const servers: Record<string, ServerIdentity> = {};
  let lags: LagReadings = {};
  let outcome: Outcome;
  try {
    const kind = kindOf(check.spec.kind);
    if (!kind) throw new Error(`unknown kind ${check.spec.kind}`);
    // Who each source really is, before any data is read: recorded for the audit trail, and the
    // least-privilege preflight that `require_least_privilege` turns into "could not verify".
    const names = new Set(kind.sourcesOf(check.spec));
    for (const name of names) servers[name] = await inspect(name);
    const strict = Object.entries(servers).filter(([name, s]) => s.privilege_warnings.length > 0 && deps.sources.specOf(name)?.require_least_privilege);
    // Replay lag before reading: a standby already behind its max_replica_lag is not read at all.
    lags = await readLags(names, deps.sources, deps.signal);
    const lagBefore = lagFault(lags);
    if (strict.length > 0) {
      outcome = faultOutcome({ code: 'not_least_privilege', message: `require_least_privilege: ${strict.map(([name, s]) => `source "${name}": ${s.privilege_warnings.join('; ')}`).join('; ')}` });
    } else if (lagBefore) {
      outcome = faultOutcome(lagBefore);
    } else {
      // Planned once: the engine fused these very objects with other checks' scans.
      const planned = deps.planned ?? planScansOf(check);
      const counts = await Promise.all(planned.map((scan) => ctx.countPlanned(scan)));
      outcome = await kind.execute(check.spec, ctx, counts);
      // And after: a standby that fell behind mid-read served data of unknown age; the finding is void.
      if (!deps.signal.aborted) {
        lags = mergeLags(lags, await readLags(names, deps.sources, deps.signal));
        const lagAfter = lagFault(lags);
        if (lagAfter) outcome = faultOutcome(lagAfter, outcome.observations);
      }
    }
    if (deps.signal.aborted) outcome = faultOutcome({ code: 'cancelled', message: 'cancelled before the check finished' });
  } catch (error) {
    outcome = faultOutcome(faultOf(error, deps.signal.aborted));
  }
  for (const [name, lag] of Object.entries(lags)) if (servers[name]) servers[name] = { ...servers[name], replica_lag: lag };
  const warnings = Object.entries(servers).flatMap(([name, s]) => s.privilege_warnings.map((w) => `source "${name}": ${w}`));
  // Everything stored is redacted once here: a secret (a URL credential, a header value) may sit
  // in any part of an outcome, including a fault a kind returned rather than threw and its samples.
  return {
    status: outcome.status,
    summary: redact(outcome.summary),
    observations: redactDeep({ ...outcome.observations, privilege_warnings: warnings }) as Record<string, unknown>,
    servers: redactDeep(servers) as Record<string, ServerIdentity>,
    statements: redactDeep(ctx.statements),
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

/**
 * The one reading of "this gate answer allows", for every consumer that turns an answer into a go:
 * the CLI's exit code, the HTTP status form, OpenFeature's boolean and the parity_gate_allowed
 * gauge. The gate service decides; each consumer re-reads the answer it is about to act on the same
 * way, so an answer that contradicts itself (a bug, an older or foreign server, a proxy mangling
 * it) denies rather than opens.
 */
import type { GateVerdict } from './evaluate-gate.js';

type VerdictLike = { allowed?: unknown; reasons?: unknown; checks?: unknown };
type CheckLike = { status?: unknown; reason?: unknown; denial?: unknown };

/**
 * A verdict allows only when it says so, gives no reason against, and rests on at least one
 * required check, each a pass that counts (no reason, no denial code): a gate never allows a phase
 * with no checks, nor on a check that did not pass.
 */
export function verdictAllows(verdict: VerdictLike | Pick<GateVerdict, 'allowed' | 'reasons' | 'checks'>): boolean {
  const checks: CheckLike[] = Array.isArray(verdict.checks) ? verdict.checks : [];
  const counted = checks.length > 0 && checks.every((c) => c.status === 'pass' && c.reason === null && (c.denial ?? null) === null);
  return verdict.allowed === true && Array.isArray(verdict.reasons) && verdict.reasons.length === 0 && counted;
}

/** A decision allows only when it was evaluated, was recorded before it was given (a decision id), and its verdict allows. */
export function decisionAllows(decision: VerdictLike & { evaluated?: unknown; id?: unknown }): boolean {
  return decision.evaluated === true && typeof decision.id === 'string' && decision.id !== '' && verdictAllows(decision);
}

/**
 * What `parity gate` reports in every format: the decision exactly as the HTTP gate route answers
 * it, including the "could not evaluate" answer (allowed false, evaluated false, an `error`).
 */
import type { GateDecision } from '../gate/gate-service.js';
import { EXIT } from './exit.js';
import { decisionAllows } from '../gate/allows.js';

export type GateAnswer = GateDecision & { error?: { code: string; message: string } };

/**
 * The answer when the gate could not be evaluated: the same shape as the HTTP 503 body. `code` is
 * `gate_unavailable`, or `bad_configuration` when the question itself could not be asked (an
 * unknown migration or phase, check files that do not load, credentials refused: exit 64).
 */
export function unavailableAnswer(migration: string, phase: string, message: string, options: { requestedBy: string | null; refreshed: boolean; now: Date; code?: string }): GateAnswer {
  return {
    migration, phase, allowed: false, evaluated_at: options.now.toISOString(), checks: [], reasons: [message],
    id: null, requested_by: options.requestedBy, refreshed: options.refreshed, run_id: null, evaluated: false,
    error: { code: options.code ?? 'gate_unavailable', message },
  };
}

/**
 * 0 allowed, 1 denied, 2 could not evaluate. Only an evaluated, recorded (a decision id) answer
 * that says allowed and gives no reason against is 0: no reason, and at least one required check,
 * each a pass that counts (no reason, no denial code). An answer contradicting itself (a bug, an older or foreign server, a
 * proxy mangling it) denies rather than opens — a gate never allows a phase with no checks, nor
 * on a check that did not pass.
 */
export function exitCodeForGate(answer: GateAnswer): number {
  if (answer.evaluated !== true || answer.error !== undefined) return EXIT.couldNotVerify;
  return decisionAllows(answer) ? EXIT.ok : EXIT.failed;
}

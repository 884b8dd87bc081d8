/**
 * Process-wide entry points for code that reports events without holding the telemetry object:
 * the gate answers questions, the scheduler claims and skips slots. Before telemetry is started
 * (CLI one-shots, unit tests) every call is a no-op, so callers never need to check.
 */
import type { GateDecision, ParityMetrics } from './parity-metrics.js';

// The newest telemetry wins; when it stops, the one before it (if still running) takes over again.
const stack: ParityMetrics[] = [];
let active: ParityMetrics | undefined;

/** Routes the record functions to these metrics; returns a function that undoes it. */
export function activateRecorders(metrics: ParityMetrics): () => void {
  stack.push(metrics);
  active = metrics;
  return () => {
    const index = stack.lastIndexOf(metrics);
    if (index >= 0) stack.splice(index, 1);
    active = stack.at(-1);
  };
}

/** Counts one gate answer (parity_gate_decisions_total{migration, phase, decision}). */
export function recordGateDecision(decision: GateDecision): void {
  active?.recordGateDecision(decision);
}

/** Counts a schedule slot this replica claimed and ran. */
export function recordSlotClaimed(slot: { checkId: string }): void {
  active?.recordSlotClaimed(slot);
}

/** Counts a slot this replica did not run; `reason` is a short snake_case word (e.g. claimed_elsewhere, still_running, missed). */
export function recordSlotSkipped(slot: { checkId: string; reason: string }): void {
  active?.recordSlotSkipped(slot);
}

/** Counts runs marked aborted because their owner stopped heart-beating. */
export function recordRunAborted(count = 1): void {
  active?.recordRunAborted(count);
}

/** Notes that the scheduler completed a pass at `at` (the "scheduler stalled" alert watches it). */
export function recordSchedulerTick(at: Date): void {
  active?.recordSchedulerTick(at);
}

/** Notes whether the check files loaded at start-up or a reload (parity_catalog_valid, parity_catalog_reload_failures_total). */
export function recordCatalogLoad(valid: boolean): void {
  active?.recordCatalogLoad(valid);
}

/** Why a slot was not run by this replica, per scheduler tick action. */
const SKIP_REASONS: Record<string, string> = { taken: 'claimed_elsewhere', skipped: 'still_running', failed: 'failed' };

/**
 * Records what one scheduler pass did (the scheduler's `onTick` actions): `started` is a claimed
 * slot, the others are skips by reason. Call it after every pass, even an empty one: the pass
 * itself is the heartbeat the "scheduler stalled" alert watches.
 */
export function recordSchedulerPass(actions: readonly { checkId: string; action: string }[], at: Date): void {
  for (const { checkId, action } of actions) {
    if (action === 'started') recordSlotClaimed({ checkId });
    else recordSlotSkipped({ checkId, reason: SKIP_REASONS[action] ?? action });
  }
  recordSchedulerTick(at);
}

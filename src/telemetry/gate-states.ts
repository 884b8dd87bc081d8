/**
 * The parity_gate_allowed and parity_gate_awaiting_outcome gauges: every declared phase's verdict
 * exactly as a gate answer would give it now. There is one evaluation of "allowed" — the gate
 * service's (the check files as they are on disk, the store's evidence and clock, server
 * identities, the sources' current settings, evaluateGate) — and the gauges read it through
 * `preview`; they never judge results themselves. A gauge is read by alerts, dashboards and rollout
 * tools that gate on a Prometheus query, so a verdict the gate could not give (store unreachable,
 * check files that do not load, a slow answer, a phase no longer declared) reads 0, never a stale 1.
 */
import type { GateVerdict } from '../gate/evaluate-gate.js';
import { verdictAllows } from '../gate/allows.js';

export interface GateState {
  migration: string;
  phase: string;
  allowed: boolean;
  /**
   * Denied only because required checks are running and their outcome is not known yet (the gate
   * answers "denied" meanwhile). Alerts use it to tell a scheduled re-run from a real denial.
   */
  awaiting: boolean;
}

/** Longest wait for one phase's verdict before the gauge reads "not allowed" (a scrape must not hang on the store). */
export const GATE_READING_TIMEOUT_MS = 5_000;

/** The gauges' reading of one verdict: allowed only when it allows with no reason against, on at least one check. */
export function gateStateOf(verdict: GateVerdict): GateState {
  const against = verdict.checks.filter((c) => c.reason !== null);
  const allowed = verdictAllows(verdict);
  // Every reason is a check whose outcome is pending; a reason of the answer's own (check files
  // that do not load) is not pending.
  const awaiting = !allowed && against.length > 0 && against.length === verdict.reasons.length && against.every((c) => c.denial === 'running');
  return { migration: verdict.migration, phase: verdict.phase, allowed, awaiting };
}

/** A verdict that could not be had: not allowed, and not merely awaiting an outcome. */
export function unavailableState(migration: string, phase: string): GateState {
  return { migration, phase, allowed: false, awaiting: false };
}

/** `work`'s value, or undefined once `timeoutMs` passed first (a rejection propagates). */
export async function withinTime<T>(work: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

type Phase = { migration: string; phase: string };

/**
 * Every declared phase's state, asked of the gate; never rejects and never waits longer than
 * `timeoutMs` — whatever fails or is slow reads "not allowed". `prepare` (bringing the catalog in
 * line with the files on disk) runs first, within the same time; `phases` is read after it.
 */
export async function readGateStates(
  phases: () => readonly Phase[],
  preview: (migration: string, phase: string) => Promise<GateVerdict>,
  options: { prepare?: () => Promise<unknown>; timeoutMs?: number } = {},
): Promise<GateState[]> {
  const timeoutMs = options.timeoutMs ?? GATE_READING_TIMEOUT_MS;
  const ask = async ({ migration, phase }: Phase): Promise<GateState> => {
    try {
      const verdict = await preview(migration, phase);
      // An answer about another phase answers nothing asked.
      if (verdict.migration !== migration || verdict.phase !== phase) return unavailableState(migration, phase);
      return gateStateOf(verdict);
    } catch {
      return unavailableState(migration, phase);
    }
  };
  const all = async () => {
    // Files that do not load are the previews' business (each then reads "not allowed").
    await options.prepare?.().catch(() => {});
    return Promise.all(phases().map(ask));
  };
  return (await withinTime(all(), timeoutMs)) ?? phases().map((p) => unavailableState(p.migration, p.phase));
}

/**
 * Every phase's gate verdict on the latest *finished* results, for the parity_gate_allowed gauge.
 * Pure. Running results are left out on purpose: a re-run in progress would otherwise flip the
 * gauge to denied and page someone every time a scheduled check starts.
 */
import { evaluateGate } from '../gate/evaluate-gate.js';
import type { GateResultRow } from '../store/gates.js';
import type { MigrationSpec } from '../checkfile/migrations.js';
import type { CheckState } from './check-state.js';

export interface GateState { migration: string; phase: string; allowed: boolean }

/** Verdict per migration phase, judged by the same evaluateGate the API uses. */
export function gateStates(
  migrations: Iterable<MigrationSpec>,
  states: ReadonlyMap<string, CheckState>,
  definitions: ReadonlyMap<string, { hash: string }>,
  now: Date,
): GateState[] {
  const evidence = new Map<string, GateResultRow>();
  for (const [checkId, state] of states) {
    const { latest } = state;
    evidence.set(checkId, {
      resultId: latest.resultId, checkId, status: latest.status, definitionHash: latest.definitionHash,
      startedAt: latest.startedAt, finishedAt: latest.finishedAt, summary: latest.summary ?? null, error: latest.error ?? null,
      estimated: latest.observations?.estimated === true,
    });
  }
  const out: GateState[] = [];
  for (const migration of migrations) {
    for (const phase of migration.phases) {
      const verdict = evaluateGate({ migration, name: phase.name }, evidence, definitions, now);
      out.push({ migration: migration.id, phase: phase.name, allowed: verdict.allowed });
    }
  }
  return out;
}

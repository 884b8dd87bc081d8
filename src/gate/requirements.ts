/**
 * What a phase's gate requires: its own checks plus, unless the file says
 * `require_earlier_phases: false`, every earlier phase's checks. Pure.
 */
import type { MigrationSpec } from '../checkfile/migrations.js';

/** One check a gate judges, with the freshness it must have. */
export interface Requirement {
  checkId: string;
  /** The strictest max_age among the phases that require it (the gated one included). */
  maxAgeMs: number;
  /** Phases that name this check, in declaration order. */
  phases: string[];
  /** Incremental passes count (chain judged): only when the gated phase and every phase naming the check say coverage: continuous. */
  continuous: boolean;
}

/** The checks the phase's gate judges, in phase order; undefined when the phase does not exist. */
export function phaseRequirements(migration: MigrationSpec, phaseName: string): Requirement[] | undefined {
  const index = migration.phases.findIndex((p) => p.name === phaseName);
  if (index === -1) return undefined;
  const gated = migration.phases[index]!;
  const included = gated.require_earlier_phases ? migration.phases.slice(0, index + 1) : [gated];
  const byCheck = new Map<string, Requirement>();
  for (const phase of included) {
    for (const checkId of phase.requires) {
      const existing = byCheck.get(checkId);
      // An inherited check must be fresh by both phases' standards: the stricter max_age wins.
      const maxAgeMs = Math.min(existing?.maxAgeMs ?? gated.max_age, phase.max_age, gated.max_age);
      // Accepting incremental evidence is the laxer rule: every phase involved must ask for it.
      const continuous = (existing?.continuous ?? true) && phase.coverage === 'continuous' && gated.coverage === 'continuous';
      if (existing) {
        existing.maxAgeMs = maxAgeMs;
        existing.continuous = continuous;
        if (!existing.phases.includes(phase.name)) existing.phases.push(phase.name);
      } else {
        byCheck.set(checkId, { checkId, maxAgeMs, phases: [phase.name], continuous });
      }
    }
  }
  return [...byCheck.values()];
}

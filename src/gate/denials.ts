/**
 * Why one required check keeps a gate closed, as a stable code beside the sentence: consumers (the
 * CLI table, the status page, API clients) tell a stale pass from a failure without parsing text.
 */

export const GATE_DENIALS = [
  'undeclared', 'missing', 'running', 'failed', 'could_not_verify', 'not_a_pass',
  'superseded', 'estimate', 'stale_definition', 'clock_skew', 'too_old',
] as const;

export type GateDenial = (typeof GATE_DENIALS)[number];

/** Short labels for a pass that does not count: its status says "pass", so the label says why not. */
export const PASS_NOT_COUNTED: Partial<Record<GateDenial, string>> = {
  superseded: 'superseded by a later outcome',
  estimate: 'estimate only',
  stale_definition: 'stale definition',
  clock_skew: 'finished in the future',
  too_old: 'too old',
};

/** The label for a check whose result is a pass that the gate does not count (`not counted` when the code is unknown). */
export function passNotCountedLabel(denial: string | null | undefined): string {
  return (denial && PASS_NOT_COUNTED[denial as GateDenial]) || 'not counted';
}

/**
 * Why one required check keeps a gate closed, as a stable code beside the sentence: consumers (the
 * CLI table, the status page, API clients) tell a stale pass from a failure without parsing text.
 */

export const GATE_DENIALS = [
  'undeclared', 'missing', 'running', 'failed', 'could_not_verify', 'not_a_pass',
  'superseded', 'estimate', 'fixed_seed', 'stale_definition', 'clock_skew', 'too_old', 'incremental_only', 'broken_chain',
  'no_server_identity', 'server_changed', 'mixed_servers', 'replica_lag', 'not_least_privilege', 'not_refreshed',
] as const;

export type GateDenial = (typeof GATE_DENIALS)[number];

/** Short labels for a pass that does not count: its status says "pass", so the label says why not. */
export const PASS_NOT_COUNTED: Partial<Record<GateDenial, string>> = {
  running: 'running again',
  superseded: 'superseded by a later outcome',
  estimate: 'estimate only',
  fixed_seed: 'replayed sample (sample.seed)',
  stale_definition: 'stale definition',
  clock_skew: 'finished in the future',
  too_old: 'too old',
  incremental_only: 'incremental run only',
  broken_chain: 'broken incremental chain',
  no_server_identity: 'server not recorded',
  server_changed: 'source now reaches another server',
  mixed_servers: 'another server than other checks read',
  replica_lag: 'read further behind than max_replica_lag',
  not_least_privilege: 'read as a role that may write',
  not_refreshed: 'not re-run by this refresh',
};

/** The label for a check whose result is a pass that the gate does not count (`not counted` when the code is unknown). */
export function passNotCountedLabel(denial: string | null | undefined): string {
  return (denial && PASS_NOT_COUNTED[denial as GateDenial]) || 'not counted';
}

/**
 * The mutation catalogue: defects that real expand/contract migrations ship with. A scenario lists
 * which apply to it and where they bite (table, victim rows, the wrong value written); replay
 * injects each one at a random step and checks that the scenario's checks catch it.
 */

/**
 * When a defect is injected: after a random backfill batch, among the writes after the read
 * switch, or among the writes of the contract window (after `stop_old_writes`, while `unused`
 * checks watch who still uses the old shape).
 */
export type MutationWindow = 'backfill' | 'after_switch' | 'contract_window';

/** One kind of defect: when it strikes and how it is applied. */
export interface MutationClass {
  readonly name: string;
  /** The real-world defect, in one sentence (printed in the score table and the docs). */
  readonly description: string;
  readonly window: MutationWindow;
  /** `victim`: one statement against one chosen row; `interrupt`: the backfill stops for good; `statement`: the scenario's statement, as is. */
  readonly mechanism: 'victim' | 'interrupt' | 'statement';
  /**
   * Evidence the defect can only be seen through: a use of the old shape changes no data, so only
   * `unused` checks reading pg_stat_statements catch it, and replay needs a server that has it.
   */
  readonly needs?: 'pg_stat_statements';
  /**
   * Whether triggers fire while the defect is applied. Backfill defects write behind the dual-write
   * trigger's back (it would otherwise repair them); a stale application writer goes through them.
   */
  readonly triggers: 'on' | 'off';
}

const classes = [
  { name: 'row_dropped', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'a backfill batch skips a row (keyset off-by-one at a batch boundary), so its new side is never written' },
  { name: 'row_duplicated', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'a retried batch writes a row twice, e.g. into both tables of a split' },
  { name: 'off_by_one_cent', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'money converted with the wrong rounding (truncation, float arithmetic) is one cent off' },
  { name: 'timezone_applied_twice', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'a local time converted to UTC and then shifted by the zone offset again' },
  { name: 'case_not_folded', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'a value compared or stored without folding case (Bob@X.com next to bob@x.com)' },
  { name: 'value_corrupted', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'the backfill writes a wrong value (split at the wrong space, unknown value mapped to a default)' },
  { name: 'dual_write_bypassed', window: 'backfill', mechanism: 'victim', triggers: 'off', description: 'a write reaches the old column without the dual-write trigger (bulk load, replica role) after the backfill passed the row' },
  { name: 'stale_writer', window: 'after_switch', mechanism: 'victim', triggers: 'on', description: 'a writer keeps writing only the old column after old writes were stopped (a forgotten background job)' },
  { name: 'writer_after_stop', window: 'contract_window', mechanism: 'victim', triggers: 'on', needs: 'pg_stat_statements', description: 'a writer keeps writing the old column after stop-old-writes (a forgotten job nobody listed); no data check can see it once nothing syncs the shapes' },
  { name: 'hidden_reader', window: 'contract_window', mechanism: 'statement', triggers: 'on', needs: 'pg_stat_statements', description: 'a report or export nobody listed still reads the old shape (a reporting view, a nightly export query)' },
  { name: 'backfill_interrupted', window: 'backfill', mechanism: 'interrupt', triggers: 'on', description: 'the backfill is killed halfway and never resumed' },
] as const satisfies readonly MutationClass[];

/** The name of a catalogue class. */
export type MutationClassName = (typeof classes)[number]['name'];

/** Every class, in catalogue order. */
export const mutationClasses: readonly MutationClass[] = classes;

/** Every class name, for the scenario schema. */
export const mutationClassNames = classes.map((c) => c.name) as [MutationClassName, ...MutationClassName[]];

/** Looks a class up by name. */
export function mutationClass(name: MutationClassName): MutationClass {
  return classes.find((c) => c.name === name)!;
}

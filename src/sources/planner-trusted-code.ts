/**
 * Stored results the planner trusts, judged before a read. The planner takes an index's predicate
 * as true of every row the index holds (a partial index then answers a query whose WHERE implies
 * it alone), a validated CHECK constraint as true of every row of its table (constraint exclusion
 * drops an inheritance child or a partition whose CHECK refutes the WHERE), and a partition key as
 * what routed each row (pruning, a partition's constraint). Each was computed when the row was
 * written; a function a database owner made can be redefined after (`create or replace`, an
 * immutable SQL function that returned false and now returns `v is null`), and the planner goes on
 * trusting the stored result under the new definition: the read returns no row where the table
 * holds them, and a check that there are none passes. So a read refuses any relation it reaches
 * whose index predicate, validated CHECK constraint or partition key (its own or an ancestor's)
 * calls a function, or names an operator, that is not PostgreSQL's own or a member of an
 * extension a superuser owns (installed-code.ts) — code only a superuser can redefine. An
 * operator's estimators are not judged: they price a plan, never decide its rows. Index
 * expressions are not judged here: the planner substitutes one only where the query itself writes
 * the same call, which the query's own allow-list judges. A NOT VALID CHECK is not trusted by the
 * planner, and is read.
 */
import { Fault } from '../results/fault.js';
import type { Row } from './types.js';

/** The fields of one IMPLICIT_CODE_SQL row (implicit-code.ts) this judgement reads. */
interface TrustedCall {
  readonly relation: string;
  readonly what: string;
  readonly trusted: boolean | null;
  readonly ref: string | null;
  readonly function: string | null;
  readonly builtin: boolean | null;
  readonly extension: boolean | null;
  readonly estimator: boolean | null;
  readonly operator: string | null;
  readonly operator_installed: boolean | null;
}

/** What a stored tree the planner trusts calls that its owner could redefine, one line per relation and place; empty when nothing. */
export function plannerTrustedProblems(rows: readonly Row[]): string[] {
  const found = new Map<string, Set<string>>();
  const add = (call: TrustedCall, what: string) => {
    const place = `${call.relation} (${call.what})`;
    found.set(place, (found.get(place) ?? new Set<string>()).add(what));
  };
  for (const call of rows as unknown as TrustedCall[]) {
    if (call.trusted !== true || call.ref === null) continue;
    // An operator's own commutator and negator are claims the planner's proofs trust, whatever its function.
    if (call.operator !== null && call.operator_installed !== true) add(call, `operator ${call.operator}`);
    if (call.estimator === true) continue;
    if (call.builtin !== true && call.extension !== true) add(call, call.function ?? `an unknown function (${call.ref})`);
  }
  return [...found].map(([place, calls]) => `${place}: ${[...calls].sort().join(', ')}`).sort();
}

/** The fault for what plannerTrustedProblems found, phrased once. */
export function plannerTrustedCodeFault(source: string, problems: readonly string[]): Fault {
  return new Fault({
    code: 'planner_trusted_code',
    message: `source "${source}": the planner would trust stored results of code that can be redefined: ${problems.join('; ')}. `
      + 'The planner takes an index\'s predicate as true of the rows the index holds, a validated CHECK constraint as true of every row of its table (constraint exclusion skips a child or a partition it refutes) and a partition key as what routed each row; '
      + 'each was computed when the row was written, and a function (or operator) that is not PostgreSQL\'s own nor an extension\'s a superuser owns can be redefined since, so the read could skip rows the table holds and a check pass on them. '
      + 'Check a table whose predicates, CHECK constraints and partition key call built-ins only (or make such a CHECK NOT VALID), or have a superuser vouch for the function by putting it in an extension',
  });
}

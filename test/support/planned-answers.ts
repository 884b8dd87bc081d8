/**
 * Cases of sql_assert checks whose answer only the server's plan shows fixed: each `planned` query
 * must end `error` / `never_fails`, each `decided` one must still judge the data. Shared by the
 * never-fails files, which differ only in their tables and queries.
 */
import { expect, it } from 'vitest';
import type { TestDatabase } from './databases.js';
import { runCheckFile } from './run-check.js';

/** Query and `expect:` body, e.g. `['select count(*) as v from v_contra', 'value: 0']`. */
export type PlannedCase = [query: string, expectation: string];
/** The same, with the status the data decides. */
export type DecidedCase = [query: string, expectation: string, status: 'pass' | 'fail'];

/** Registers one test per case; `db` is read when a test runs (set it in beforeAll). */
export function plannedAnswerCases(db: () => TestDatabase, planned: Readonly<Record<string, PlannedCase>>, decided: Readonly<Record<string, DecidedCase>>): void {
  const run = (query: string, expectation: string) => runCheckFile(db(), `sources:\n  app: { url: "${db().url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: ${JSON.stringify(query)}, expect: { ${expectation} } }\n`);
  for (const [name, [query, expectation]] of Object.entries(planned)) {
    it(`is an error, never a pass: ${name}`, async () => {
      const result = await run(query, expectation);
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
    });
  }
  for (const [name, [query, expectation, status]] of Object.entries(decided)) {
    it(`still judges the data: ${name}`, async () => {
      const result = await run(query, expectation);
      expect([result.status, result.error], result.summary).toEqual([status, null]);
    });
  }
}

/** A check file fragment: one sql_assert with `expect` (a YAML flow mapping). */
export const sqlAssert = (query: string, expectation: string) => `
  - id: a
    kind: sql_assert
    source: app
    query: ${JSON.stringify(query)}
    expect: ${expectation}`;

/** Registers, per condition on table t, that `never` ones are refused at load and `real` ones load. */
export function loadTimeWhereCases(problemsOf: (checks: string) => string[], never: readonly string[], real: readonly string[]): void {
  for (const where of never) {
    it(`refuses where ${where}`, () => {
      expect(problemsOf(sqlAssert(`select x from t where ${where}`, '{ rows: 0 }'))).toEqual([expect.stringMatching(/checks\[0\]\.query: the query returns exactly 0 rows.*can never fail/)]);
    });
  }
  for (const where of real) {
    it(`loads where ${where}`, () => {
      expect(problemsOf(sqlAssert(`select x from t where ${where}`, '{ rows: 0 }'))).toEqual([]);
    });
  }
}

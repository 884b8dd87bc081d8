/**
 * The normal form's judgement against the database: random predicates over nullable columns, each
 * one the fold says no row makes true run over every combination of values near its literals. A
 * predicate judged never-true that keeps a row would be a refused check that could fail — and a
 * fold that is wrong one way is wrong the other way on its negation.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disjunctiveForm } from '../../src/sql/normal-form.js';
import { expressionTruth, F, N, T } from '../../src/sql/fixed-answers.js';
import { plannedFixedAnswer } from '../../src/sql/planned-answer.js';
import { loadSqlParser, parseSql } from '../../src/sql/parser.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

beforeAll(loadSqlParser);

const constant = fc.constantFrom('-1', '0', '1', '2', '3');
const atom: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom('x', 'y'), fc.constantFrom('<', '<=', '=', '<>', '>=', '>'), constant).map(([c, op, k]) => `${c} ${op} ${k}`),
  fc.tuple(fc.constantFrom('<', '<=', '=', '<>', '>=', '>'), fc.boolean()).map(([op, flip]) => (flip ? `y ${op} x` : `x ${op} y`)),
  fc.tuple(fc.constantFrom('x', 'y', 'b', 's'), fc.constantFrom('is null', 'is not null')).map(([c, t]) => `${c} ${t}`),
  fc.constantFrom('b', "s like 'a%'", "s not like 'a%'", "s = 'a'", "s <> 'a'", "s ~ '^b'"),
  fc.tuple(constant, constant, fc.boolean()).map(([lo, hi, not]) => `x ${not ? 'not ' : ''}between ${lo} and ${hi}`),
  fc.tuple(constant, constant, fc.boolean()).map(([a, b, not]) => `x ${not ? 'not ' : ''}in (${a}, ${b})`),
  fc.tuple(constant, constant, fc.constantFrom('=', '<', '>=')).map(([a, b, op]) => `y ${op} any(array[${a}, ${b}])`),
);
const predicate = fc.letrec((tie) => ({
  p: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('p'), tie('p')).map(([a, b]) => `(${a} and ${b})`),
    fc.tuple(tie('p'), tie('p')).map(([a, b]) => `(${a} or ${b})`),
    tie('p').map((a) => `not (${a})`),
    fc.tuple(tie('p'), fc.constantFrom('is true', 'is false', 'is not true', 'is not false', 'is unknown', 'is not unknown', '= true', '<> false', 'is distinct from true', 'is not distinct from false')).map(([a, t]) => `((${a}) ${t})`),
    // Three-valued functions of conditions: COALESCE, NULLIF and CASE.
    fc.tuple(tie('p'), tie('p'), fc.constantFrom('true', 'false', 'null')).map(([a, b, k]) => `coalesce(${a}, ${b}, ${k})`),
    fc.tuple(tie('p'), fc.oneof(tie('p'), fc.constantFrom('true', 'false'))).map(([a, b]) => `nullif(${a}, ${b})`),
    fc.tuple(tie('p'), tie('p'), tie('p'), fc.boolean()).map(([a, b, c, otherwise]) => `case when ${a} then ${b}${otherwise ? ` else ${c}` : ''} end`),
    fc.tuple(fc.constantFrom('x', 'y'), constant, tie('p'), tie('p')).map(([c, k, a, b]) => `case ${c} when ${k} then ${a} else ${b} end`),
    // A condition compared with a condition (each side a test or a NOT, so boolean by its syntax).
    fc.tuple(tie('p'), tie('p'), fc.constantFrom('=', '<>', 'is distinct from', 'is not distinct from'), fc.constantFrom('is true', 'is not false', 'is unknown'))
      .map(([a, b, op, t]) => `(((${a}) ${t}) ${op} (not (${b})))`)),
})).p as fc.Arbitrary<string>;

describe('the disjunctive form', () => {
  it('spells NOT, BETWEEN and IN out as literals', () => {
    const where = (text: string) => ((parseSql(`select 1 where ${text}`) as { tree: { stmts: { stmt: { SelectStmt: { whereClause: unknown } } }[] } }).tree.stmts[0]!.stmt.SelectStmt.whereClause);
    expect(disjunctiveForm(where('not (x > 1 or y between 2 and 3)'))?.map((d) => d.length)).toEqual([2, 2]);
    expect(disjunctiveForm(where('x in (1, 2, 3) and not b'))?.length).toBe(3);
    expect(disjunctiveForm(where(Array.from({ length: 7 }, (_, i) => `(x = ${i} or y = ${i})`).join(' and ')))).toBeUndefined();
  });
});

describe.each(engines)('predicates judged never true keep no row, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table t as
      select x, y, b, s from unnest(array[null, -2, -1, 0, 1, 2, 3, 4]::int[]) x, unnest(array[null, -2, -1, 0, 1, 2, 3, 4]::int[]) y,
        unnest(array[null, true, false]) b, unnest(array[null, 'a', 'ab', 'b', '']) s`);
  });
  afterAll(() => db?.close());

  it('on every combination of values', async () => {
    const judged = fc.sample(predicate, { numRuns: 3000, seed: 20261206 }).filter((text) => !(expressionTruth(text) & T));
    expect(judged.length).toBeGreaterThan(50);
    for (let i = 0; i < judged.length; i += 50) {
      const batch = judged.slice(i, i + 50);
      const [row] = await db.exec(`select ${batch.map((text, j) => `count(*) filter (where ${text}) as c${j}`).join(', ')} from t`);
      batch.forEach((text, j) => expect(Number(row![`c${j}`]), text).toBe(0));
    }
  }, 300_000);

  // Each truth value the judgement rules out (true, false or NULL) is one no row takes.
  it('each ruled-out truth value, on every combination of values', async () => {
    const tests: Record<number, string> = { [T]: 'is true', [F]: 'is false', [N]: 'is unknown' };
    const judged = fc.sample(predicate, { numRuns: 1000, seed: 20261207 }).flatMap((text) => {
      const truth = expressionTruth(text);
      return [T, F, N].filter((value) => !(truth & value)).map((value) => `(${text}) ${tests[value]}`);
    });
    expect(judged.length).toBeGreaterThan(200);
    for (let i = 0; i < judged.length; i += 50) {
      const batch = judged.slice(i, i + 50);
      const [row] = await db.exec(`select ${batch.map((text, j) => `count(*) filter (where ${text}) as c${j}`).join(', ')} from t`);
      batch.forEach((text, j) => expect(Number(row![`c${j}`]), text).toBe(0));
    }
  }, 300_000);

  // The plan's conditions are the server's spelling of the predicate (casts, `= ANY ('{…}')`, NOT pushed down): judged there too.
  it('through the plan, on every combination of values', async () => {
    let judged = 0;
    for (const text of fc.sample(predicate, { numRuns: 400, seed: 7 })) {
      const [row] = await db.exec(`explain (verbose, format json) select x from t where ${text}`);
      const plan = row!['QUERY PLAN'];
      if (plannedFixedAnswer(typeof plan === 'string' ? JSON.parse(plan) : plan) !== 'no rows') continue;
      judged += 1;
      expect((await db.exec(`select x from t where ${text}`)).length, text).toBe(0);
    }
    expect(judged).toBeGreaterThan(10);
  });
});

/**
 * The server's plan judged for a fixed answer (sql/planned-answer.ts), asking the server what the
 * plan's text leaves out when it could decide (sql/plan-facts.ts): the types of null-tested
 * expressions, the order of the constants compared with an expression, and what a pattern test
 * answers on them. Asked only when the plan alone is not fixed and the answers could make it so;
 * no question reads a table row.
 */
import { plannedFixedAnswer } from '../sql/planned-answer.js';
import { assumingScalar, type PatternFact, type PlanFacts, type PlanQuestions } from '../sql/plan-facts.js';
import { planQuestions } from '../sql/plan-questions.js';
import { operatorsSql, patternsSql, rankSql, readFamily, readRanks, readTypes, typeOf, typesSql, type OperatorRow, type RankRow, type TypeFact, type TypeRow } from '../sql/plan-facts-sql.js';
import { classCollation, classPatterns, classRanks, patternsJudgeable, type PatternRow } from '../sql/plan-class-facts.js';
import { Fault } from '../results/fault.js';
import type { SQL } from '../sql/build.js';
import type { ExecutionContext } from './types.js';

type Answer = ReturnType<typeof plannedFixedAnswer>;
/** One question's rows, or undefined when the server refused the statement itself (then nothing is concluded from it). */
type Ask = <Row extends Record<string, unknown>>(statement: SQL) => Promise<Row[] | undefined>;

/** What the plan (EXPLAIN (VERBOSE, FORMAT JSON)'s value, read on `source`) proves about the answer. */
export async function judgePlan(plan: unknown, source: string, ctx: Pick<ExecutionContext, 'query'>): Promise<Answer> {
  const plain = plannedFixedAnswer(plan);
  if (plain) return plain;
  const questions = planQuestions(plan);
  if (!questions) return undefined;
  // Were every null-tested expression scalar and still nothing fixed, their types are not worth a round trip.
  const typesMatter = questions.nullTested.length > 0 && (questions.classes.length > 0 || plannedFixedAnswer(plan, assumingScalar(questions)) !== undefined);
  if (!typesMatter && questions.classes.length === 0) return undefined;
  const ask: Ask = async (statement) => {
    try {
      return await ctx.query(source, statement);
    } catch (error) {
      // A statement the server refuses (a schema the role may not use, a value it cannot read back) answers nothing: the plan alone is judged, as before asking.
      if (error instanceof Fault && /^(42|22)/.test(error.fault.sqlstate ?? '')) return undefined;
      throw error;
    }
  };
  const subjects = [...new Set([...(typesMatter ? questions.nullTested : []), ...questions.classes.flatMap((klass) => klass.subjects)])];
  const constants = [...new Set(questions.classes.flatMap((klass) => klass.constants))];
  const typeRows = await ask<TypeRow>(typesSql(questions, subjects, constants));
  if (!typeRows) return undefined;
  const types = readTypes(subjects, constants, typeRows);
  const scalars = new Set(questions.nullTested.filter((key) => typeOf(types, 's', key)?.scalar === true));
  return plannedFixedAnswer(plan, { scalars, ...await classFacts(questions, types, ask) });
}

/** Each class's ranks and pattern tests, asked class by class. */
async function classFacts(questions: PlanQuestions, types: ReadonlyMap<string, TypeFact>, ask: Ask): Promise<Omit<PlanFacts, 'scalars'>> {
  const classOf = new Map<string, number>();
  const ranks = new Map<string, number[]>();
  const patterns = new Map<string, PatternFact>();
  for (const [index, klass] of questions.classes.entries()) {
    const { ok, collation } = classCollation(klass, types);
    if (!ok) continue;
    const constantTypes = klass.constants.map((key) => typeOf(types, 'c', key)?.typname ?? '');
    // One constant has nothing to be ordered against: its pattern tests are asked without ranks.
    const ordered = klass.constants.reduce((sum, key) => sum + (questions.constants.get(key)?.array ? 2 : 1), 0) >= 2;
    const operators = ordered ? operatorsSql(questions, klass, types) : undefined;
    const operatorRows = operators ? await ask<OperatorRow>(operators) : undefined;
    const lts = operatorRows ? readFamily(klass, constantTypes, operatorRows) : undefined;
    const rankRows = lts ? await ask<RankRow>(rankSql(questions, klass, constantTypes, lts, collation)) : undefined;
    const ranked = rankRows ? readRanks(klass, rankRows) : undefined;
    if (ranked) {
      for (const subject of klass.subjects) classOf.set(subject, index);
      for (const [key, value] of classRanks(index, klass, ranked)) ranks.set(key, value);
    }
    const patternRows = patternsJudgeable(klass, types, collation) ? await ask<PatternRow>(patternsSql(questions, klass, collation)) : undefined;
    for (const [key, value] of classPatterns(questions, klass, patternRows ?? [], ranked)) patterns.set(key, value);
  }
  return { classOf, ranks, patterns };
}

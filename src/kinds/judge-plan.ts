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
import type { ExecutionContext } from './types.js';

type Answer = ReturnType<typeof plannedFixedAnswer>;
type Query = Pick<ExecutionContext, 'query'>;

/** What the plan (EXPLAIN (VERBOSE, FORMAT JSON)'s value, read on `source`) proves about the answer. */
export async function judgePlan(plan: unknown, source: string, ctx: Query): Promise<Answer> {
  const plain = plannedFixedAnswer(plan);
  if (plain) return plain;
  const questions = planQuestions(plan);
  if (!questions) return undefined;
  // Were every null-tested expression scalar and still nothing fixed, their types are not worth a round trip.
  const typesMatter = questions.nullTested.length > 0 && (questions.classes.length > 0 || plannedFixedAnswer(plan, assumingScalar(questions)) !== undefined);
  if (!typesMatter && questions.classes.length === 0) return undefined;
  const subjects = [...new Set([...(typesMatter ? questions.nullTested : []), ...questions.classes.flatMap((klass) => klass.subjects)])];
  const constants = [...new Set(questions.classes.flatMap((klass) => klass.constants))];
  const types = readTypes(subjects, constants, await ctx.query<TypeRow>(source, typesSql(questions, subjects, constants)));
  const scalars = new Set(questions.nullTested.filter((key) => typeOf(types, 's', key)?.scalar === true));
  const facts: PlanFacts = { scalars, ...await classFacts(questions, types, source, ctx) };
  return plannedFixedAnswer(plan, facts);
}

/** Each class's ranks and pattern tests, asked class by class. */
async function classFacts(questions: PlanQuestions, types: ReadonlyMap<string, TypeFact>, source: string, ctx: Query): Promise<Omit<PlanFacts, 'scalars'>> {
  const classOf = new Map<string, number>();
  const ranks = new Map<string, number[]>();
  const patterns = new Map<string, PatternFact>();
  for (const [index, klass] of questions.classes.entries()) {
    const { ok, collation } = classCollation(klass, types);
    if (!ok) continue;
    const constantTypes = klass.constants.map((key) => typeOf(types, 'c', key)?.typname ?? '');
    const operators = operatorsSql(questions, klass, types);
    const lts = operators ? readFamily(klass, constantTypes, await ctx.query<OperatorRow>(source, operators)) : undefined;
    const ranked = lts ? readRanks(klass, await ctx.query<RankRow>(source, rankSql(questions, klass, constantTypes, lts, collation))) : undefined;
    if (ranked) {
      for (const subject of klass.subjects) classOf.set(subject, index);
      for (const [key, value] of classRanks(index, klass, ranked)) ranks.set(key, value);
    }
    if (patternsJudgeable(klass, types, collation)) {
      const rows = await ctx.query<PatternRow>(source, patternsSql(questions, klass, collation));
      for (const [key, value] of classPatterns(questions, klass, rows, ranked)) patterns.set(key, value);
    }
  }
  return { classOf, ranks, patterns };
}

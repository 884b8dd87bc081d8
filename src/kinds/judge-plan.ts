/**
 * The server's plan judged for a fixed answer (sql/planned-answer.ts), asking the server what the
 * plan's text leaves out when it could decide: the types of null-tested columns and the order of
 * the constants compared with columns (sql/plan-facts.ts). Asked only when the plan alone is not
 * fixed and the answers could make it so; each question reads the catalog or constants only.
 */
import { plannedFixedAnswer } from '../sql/planned-answer.js';
import { assumingScalar, planQuestions } from '../sql/plan-facts.js';
import { collationsSql, domainCollation, rankSql, readPlanFacts, scalarColumnsSql, type Collation } from '../sql/plan-facts-sql.js';
import type { ExecutionContext } from './types.js';

type Answer = ReturnType<typeof plannedFixedAnswer>;

/** What the plan (EXPLAIN (VERBOSE, FORMAT JSON)'s value, read on `source`) proves about the answer. */
export async function judgePlan(plan: unknown, source: string, ctx: Pick<ExecutionContext, 'query'>): Promise<Answer> {
  const plain = plannedFixedAnswer(plan);
  if (plain) return plain;
  const questions = planQuestions(plan);
  if (!questions) return undefined;
  // Were every null-tested column scalar and still nothing fixed, their types are not worth a round trip.
  const typesMatter = questions.nullTested.length > 0 && (questions.domains.length > 0 || plannedFixedAnswer(plan, assumingScalar(questions)) !== undefined);
  if (!typesMatter && questions.domains.length === 0) return undefined;
  const typesSql = typesMatter ? scalarColumnsSql(questions) : undefined;
  const scalarRows = typesSql ? await ctx.query<{ i: number }>(source, typesSql) : [];
  const collationSql = collationsSql(questions);
  const collations = collationSql ? await ctx.query<Collation & { i: number }>(source, collationSql) : [];
  const rankRows = [];
  for (const domain of questions.domains) {
    const collation = domain.collatable ? domainCollation(questions, domain, collations) : undefined;
    // Columns under different collations order the same texts differently: no rank holds for all.
    rankRows.push(domain.collatable && !collation ? undefined : await ctx.query<{ k: number; n: number; missing: boolean; r: string }>(source, rankSql(domain, collation)));
  }
  return plannedFixedAnswer(plan, readPlanFacts(questions, scalarRows, rankRows));
}

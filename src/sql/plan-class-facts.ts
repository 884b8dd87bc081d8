/**
 * The facts of one class of compared expressions (plan-questions.ts) out of the server's answers
 * (plan-facts-sql.ts): under which collation its constants are ranked, whether its pattern tests
 * can be spelt out, and each constant's ranks and each pattern test's answers as plan-facts.ts
 * splices them. Pure.
 */
import { shapeKey } from './plan-text.js';
import { rankConstant, rankKey, textConstant, type PatternCase, type PatternFact, type PlanQuestions, type SubjectClass } from './plan-facts.js';
import { typeOf, type Collation, type TypeFact } from './plan-facts-sql.js';

/** The most cases one pattern test is spelt with (each a branch of a CASE the normal form opens). */
const MAX_CASES = 12;

/**
 * The collation every subject of the class compares under: none when no subject's type is
 * collatable; undefined (`ok: false`) when the subjects' collations differ or one is not known —
 * texts ordered under one collation say nothing of another's order.
 */
export function classCollation(klass: SubjectClass, types: ReadonlyMap<string, TypeFact>): { ok: boolean; collation?: Collation } {
  const facts = klass.subjects.map((key) => typeOf(types, 's', key));
  if (facts.some((fact) => fact === undefined)) return { ok: false };
  if (facts.every((fact) => !fact!.collatable)) return { ok: true };
  const first = facts[0]!.collation;
  const same = first !== undefined && facts.every((fact) => fact!.collatable && fact!.collation?.nspname === first.nspname && fact!.collation.collname === first.collname);
  return same ? { ok: true, collation: first } : { ok: false };
}

/** Whether the class's pattern tests can be judged: text under a deterministic collation (`=` then means the same bytes), constants of text. */
export function patternsJudgeable(klass: SubjectClass, types: ReadonlyMap<string, TypeFact>, collation: Collation | undefined): collation is Collation {
  return klass.patterns.length > 0 && collation !== undefined && collation.deterministic
    && klass.subjects.every((key) => typeOf(types, 's', key)?.typname === 'text')
    && klass.constants.every((key) => typeOf(types, 'c', key)?.typname === 'text');
}

/** The ranks of the class's constants, keyed for plan-facts.ts. */
export function classRanks(index: number, klass: SubjectClass, ranks: readonly (number[] | undefined)[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  klass.constants.forEach((key, k) => { if (ranks[k]) out.set(rankKey(index, key), ranks[k]!); });
  return out;
}

export type PatternRow = { p: number | string; k: number | string; n: number | string; matched: boolean | null; builtin: boolean | null };

/**
 * Each pattern test of the class as it is on the class's constants: the test of each value it
 * equals — the constant itself when the class is not ranked (only scalars), its rank when it is —
 * and, for a LIKE without wildcards whose one string the server matched, that equality.
 */
export function classPatterns(questions: PlanQuestions, klass: SubjectClass, rows: readonly PatternRow[], ranks: readonly (number[] | undefined)[] | undefined): Map<string, PatternFact> {
  const out = new Map<string, PatternFact>();
  for (const p of klass.patterns) {
    const test = questions.patterns[p]!;
    const mine = rows.filter((row) => Number(row.p) === p);
    if (mine.length === 0 || mine.some((row) => row.builtin !== true)) continue;
    const cases: PatternCase[] = [];
    for (const row of mine) {
      const [k, n] = [Number(row.k), Number(row.n)];
      const constant = questions.constants.get(klass.constants[k]!)!;
      const against = ranks ? (ranks[k]?.[n - 1] === undefined ? undefined : rankConstant(ranks[k]![n - 1]!)) : constant.array ? undefined : constant.node;
      if (against !== undefined && typeof row.matched === 'boolean' && cases.length < MAX_CASES) cases.push({ against, matched: row.matched });
    }
    const exactKey = test.exact === undefined ? undefined : klass.constants.indexOf(shapeKey(textConstant(test.exact)));
    const exactMatched = exactKey !== undefined && exactKey >= 0 && mine.some((row) => Number(row.k) === exactKey && row.matched === true);
    const exact = exactMatched ? { negated: test.op === '!~~', constant: questions.constants.get(klass.constants[exactKey]!)!.node } : undefined;
    out.set(test.key, { ...(exact ? { exact } : {}), cases });
  }
  return out;
}

/**
 * An accepted expression must mean the same once build.ts embeds it as `(<text>)` in a larger
 * statement: the real parser's tree for it is compared across contexts, locations aside.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser, parseSql } from '../../src/sql/parser.js';
import { checkReadOnlyExpression } from '../../src/sql/read-only-guard.js';

beforeAll(loadSqlParser);

const noNul = (s: string): boolean => !s.includes('\0');
const quoted = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const lexicalPieces = fc.constantFrom('a', ';', ')', '(', '--', '/*', '*/', '$$', '$q$', '"', 'é', '😀', '\n', ' ', 'drop table t');

/** Leaves, including every literal and name form whose lexing a tokeniser could get wrong. */
const atom = fc.oneof(
  fc.constantFrom('a', 'status', 'first_name', 't.id', '"first name"', '"Last ""Q"" Name"', '"ünï"', 'U&"d\\0061ta"', 'a$$', 'now()'),
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.string({ unit: 'binary', maxLength: 8 }).filter(noNul).map(quoted),
  fc.array(fc.constantFrom('a', '\\\\', "\\'", '\\n', "''", ';', ')', '--', '$$'), { maxLength: 5 }).map((parts) => `E'${parts.join('')}'`),
  fc.array(lexicalPieces.filter((p) => !p.includes('$')), { maxLength: 5 }).map((parts) => `$$${parts.join('')}$$`),
  fc.array(lexicalPieces.filter((p) => p !== '$q$'), { maxLength: 5 }).map((parts) => `$q$${parts.join('')}$q$`),
  fc.constantFrom("U&'d\\0061t\\+000061'", "U&'x!0061' UESCAPE '!'", "date '2026-01-01'", "interval '1 day'", "B'1010'", "X'1F'"),
);

/** A comment between tokens: a block (possibly nested) or a line comment ended by its newline. */
const comment = fc.oneof(
  fc.array(lexicalPieces.filter((p) => !p.includes('*') && p !== '\n'), { maxLength: 4 }).map((parts) => `/* ${parts.join('')} */`),
  fc.constant('/* outer /* nested ) ; */ still comment */'),
  fc.array(lexicalPieces.filter((p) => p !== '\n'), { maxLength: 4 }).map((parts) => `-- ${parts.join('')}\n`),
);
const gap = fc.oneof({ weight: 3, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: comment.map((c) => ` ${c} `) });

/** Expressions built from the leaves; children are parenthesised so precedence never decides validity. */
const expression = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('expr'), fc.constantFrom('||', '=', '<>', '+', '*', 'and', 'or', '->>', '<', 'is distinct from'), tie('expr'), gap, gap)
      .map(([l, op, r, g1, g2]) => `(${l})${g1}${op}${g2}(${r})`),
    tie('expr').map((e) => `not (${e})`),
    tie('expr').map((e) => `(${e})::text`),
    tie('expr').map((e) => `(${e}) is null`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `coalesce(${a}, ${b})`),
    tie('expr').map((e) => `jsonb_build_object('k', ${e})`),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, t, e]) => `case when ${c} then ${t} else ${e} end`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `row(${a}, ${b})::text`),
    fc.tuple(tie('expr'), tie('expr')).map(([s, w]) => `(select ${s} from t where ${w})`),
    fc.tuple(tie('expr'), tie('expr')).map(([e, w]) => `(${e}) in (select id from t where ${w})`),
    tie('expr').map((w) => `exists (select 1 from t where ${w} limit 1)`),
  ),
})).expr;

/** The tree without byte offsets, which differ between contexts by design. */
function withoutLocations(tree: unknown): unknown {
  return JSON.parse(JSON.stringify(tree, (key, value: unknown) => (key === 'location' ? undefined : value)));
}

type Select = { targetList: { ResTarget: { val: unknown } }[]; whereClause?: { BoolExpr: { args: unknown[] } }; sortClause?: { SortBy: { node: unknown } }[] };

function onlySelect(text: string): Select {
  const parsed = parseSql(text);
  if (parsed.kind !== 'parsed') throw new Error(`${text}: ${parsed.message}`);
  return (parsed.tree.stmts?.[0]?.stmt as { SelectStmt: Select }).SelectStmt;
}

describe('an accepted expression means the same wherever it is embedded', () => {
  it('parses to the same tree alone, in the select list, in WHERE beside a generated predicate, and in ORDER BY', () => {
    fc.assert(
      fc.property(expression, (e) => {
        expect(checkReadOnlyExpression(e)).toEqual([]);
        const alone = withoutLocations(onlySelect(`SELECT (${e})`).targetList[0]?.ResTarget.val);
        // The generated predicate comes first: the raw parser flattens a left-hand AND into its
        // parent (`(a AND b) AND c` becomes AND(a, b, c)), which is equivalent but not tree-equal.
        const embedded = onlySelect(`SELECT (${e}) AS v, 1 FROM t WHERE id > $1 AND (${e}) ORDER BY (${e}) DESC`);
        expect(withoutLocations(embedded.targetList[0]?.ResTarget.val)).toEqual(alone);
        expect(withoutLocations(embedded.whereClause?.BoolExpr.args[1])).toEqual(alone);
        expect(withoutLocations(embedded.sortClause?.[0]?.SortBy.node)).toEqual(alone);
        const negated = onlySelect(`SELECT 1 FROM t WHERE NOT (${e})`);
        expect(withoutLocations(negated.whereClause?.BoolExpr.args[0])).toEqual(alone);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any accepted expression once it closes the wrapper and appends a clause', () => {
    const tail = fc.constantFrom(') or (', ') and (', ') union select (', ') from t where (', ') as a, (', '), (', ') limit (');
    fc.assert(
      fc.property(expression, tail, expression, (a, t, b) => {
        expect(checkReadOnlyExpression(`${a}${t}${b}`)).not.toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});

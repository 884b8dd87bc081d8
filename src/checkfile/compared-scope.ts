/**
 * A same-table column_parity compares only the rows its `where` keeps, so a `where` that reads a
 * compared column can keep exactly the rows that agree: `first_name is not null` against `new:
 * first_name` leaves out every row the backfill missed, `first_name = 'f' || id` every mismatch.
 * Here the names only, at load: a column the filter and a value both name outside any sub-query.
 * The run asks the plan for the rest (kinds/lineage/scope-lineage.ts): views, generated columns,
 * sub-queries, partial indexes.
 */
import type { z } from 'zod';
import { parseExpression } from '../sql/parser.js';
import { stringNodeValue, walkSqlTree } from '../sql/tree-walk.js';

/** The column names an expression reads outside sub-queries (each reference's last part); none when it does not parse. */
function namesOutsideSubqueries(text: string): Set<string> {
  const names = new Set<string>();
  walkSqlTree(parseExpression(text), ({ type, fields }) => {
    // A sub-query reads its own relations under names the outer row does not fix.
    if (type === 'SubLink') return 'skip';
    if (type !== 'ColumnRef') return undefined;
    const last = stringNodeValue(((fields['fields'] as unknown[] | undefined) ?? []).at(-1));
    if (last !== undefined) names.add(last);
    return undefined;
  });
  return names;
}

/** Adds an issue at `where` for each column it names that old or new names too. */
export function addComparedScopeIssues(ctx: z.RefinementCtx, sides: { old: string; new: string; where: string | undefined }): void {
  if (sides.where === undefined) return;
  const compared = new Set([...namesOutsideSubqueries(sides.old), ...namesOutsideSubqueries(sides.new)]);
  for (const name of [...namesOutsideSubqueries(sides.where)].filter((n) => compared.has(n)).sort()) {
    ctx.addIssue({ code: 'custom', path: ['where'], message: `reads "${name}", which old or new is computed from: rows it leaves out are never compared, and they may be exactly the rows whose values differ (a "${name} is not null" leaves out every row the backfill missed); filter on columns neither value reads` });
  }
}

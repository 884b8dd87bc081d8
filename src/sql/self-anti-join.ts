/**
 * A relation held against itself row by row: `not exists (select 1 from t u where u.k is not
 * distinct from o.k)` over `t o` (every row finds itself, NULLs included) and `o.k not in (select
 * u.k from t u)` (a row's value is in the list, or is NULL: never true). Either conjunct is true of
 * no row, whatever `t` holds. Pure; judged on the parse tree.
 */
import { list, nodeOf } from './normal-form.js';
import { stringNodeValue } from './tree-walk.js';

type Fields = Record<string, unknown>;

/** The relation a FROM item names and the name its columns are read by (`t o`: t, o), or undefined. */
function relationOf(item: unknown): { relation: string; name: string } | undefined {
  const { type, fields } = nodeOf(item);
  if (type !== 'RangeVar' || fields['inh'] === false) return undefined;
  const relation = `${String(fields['schemaname'] ?? '')}.${String(fields['relname'])}`;
  const alias = (fields['alias'] as Fields | undefined)?.['aliasname'];
  return { relation, name: typeof alias === 'string' ? alias : String(fields['relname']) };
}

/** A column reference as `name.column` when it is qualified by a name, else undefined. */
function columnOf(node: unknown): [string, string] | undefined {
  const { type, fields } = nodeOf(node);
  if (type !== 'ColumnRef') return undefined;
  const parts = list(fields['fields']).map(stringNodeValue);
  return parts.length === 2 && parts.every((p) => p !== undefined) ? [parts[0]!, parts[1]!] : undefined;
}

/** The one relation a plain sub-select reads (no grouping, limit, set operation or DISTINCT), with its WHERE and select list. */
function plainSubselect(subselect: unknown): { from: { relation: string; name: string }; where: unknown; targets: unknown[] } | undefined {
  const { type, fields } = nodeOf(subselect);
  if (type !== 'SelectStmt' || (fields['op'] !== undefined && fields['op'] !== 'SETOP_NONE')) return undefined;
  if (['groupClause', 'havingClause', 'limitCount', 'limitOffset', 'distinctClause', 'withClause'].some((k) => fields[k] !== undefined)) return undefined;
  const items = list(fields['fromClause']);
  const from = items.length === 1 ? relationOf(items[0]) : undefined;
  return from ? { from, where: fields['whereClause'], targets: list(fields['targetList']).map((t) => nodeOf(t).fields['val']) } : undefined;
}

/** Whether `condition` is `inner.c IS NOT DISTINCT FROM outer.c` (either way round) for one column c. */
function findsItself(condition: unknown, inner: string, outer: string): boolean {
  const { type, fields } = nodeOf(condition);
  if (type === 'BoolExpr' && fields['boolop'] === 'AND_EXPR') return list(fields['args']).some((arg) => findsItself(arg, inner, outer)) && list(fields['args']).every((arg) => findsItselfAtom(arg, inner, outer));
  return findsItselfAtom(condition, inner, outer);
}

function findsItselfAtom(condition: unknown, inner: string, outer: string): boolean {
  const { type, fields } = nodeOf(condition);
  if (type !== 'A_Expr' || fields['kind'] !== 'AEXPR_NOT_DISTINCT') return false;
  const [a, b] = [columnOf(fields['lexpr']), columnOf(fields['rexpr'])];
  if (!a || !b || a[1] !== b[1]) return false;
  return (a[0] === inner && b[0] === outer) || (a[0] === outer && b[0] === inner);
}

/**
 * Whether one conjunct of a WHERE over `from` (the query's one FROM item) is true of no row: a NOT
 * EXISTS or NOT IN that holds the same relation against itself.
 */
export function isSelfAntiJoin(conjunct: unknown, fromItem: unknown): boolean {
  const outer = relationOf(fromItem);
  if (!outer) return false;
  const { type, fields } = nodeOf(conjunct);
  if (type !== 'BoolExpr' || fields['boolop'] !== 'NOT_EXPR') return false;
  const link = nodeOf(list(fields['args'])[0]);
  const sub = link.type === 'SubLink' ? plainSubselect(link.fields['subselect']) : undefined;
  if (!sub || sub.from.relation !== outer.relation || sub.from.name === outer.name) return false;
  // NOT EXISTS (select … from t u where u.c is not distinct from o.c): every row finds itself.
  if (link.fields['subLinkType'] === 'EXISTS_SUBLINK') return findsItself(sub.where, sub.from.name, outer.name);
  // o.c NOT IN (select u.c from t u): o.c is in the list, or NULL.
  if (link.fields['subLinkType'] !== 'ANY_SUBLINK' || sub.where !== undefined || sub.targets.length !== 1) return false;
  const op = list(link.fields['operName']).map(stringNodeValue);
  const [tested, listed] = [columnOf(link.fields['testexpr']), columnOf(sub.targets[0])];
  // IN carries no operator name (it is `=`).
  return (op.length === 0 || (op.length === 1 && op[0] === '=')) && tested !== undefined && listed !== undefined
    && tested[0] === outer.name && listed[0] === sub.from.name && tested[1] === listed[1];
}

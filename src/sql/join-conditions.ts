/**
 * What every row of a FROM item meets, whatever the tables hold. An inner join's row meets its ON;
 * an outer join's nullable side holds either a row that met the ON (and whatever its own joins
 * demand) or NULL in every column. So `a left join b on a.x = b.x and b.x > 5` gives each row
 * `(a.x = b.x and b.x > 5) or b.x is null`, and a WHERE `b.x < 3` beside it is true on no row.
 * Pure: reads and builds parse-tree nodes.
 */
import { list, nodeOf } from './normal-form.js';
import { walkSqlTree } from './tree-walk.js';

const and = (args: unknown[]): unknown => (args.length === 1 ? args[0] : { BoolExpr: { boolop: 'AND_EXPR', args } });
const or = (args: unknown[]): unknown => ({ BoolExpr: { boolop: 'OR_EXPR', args } });
const TRUE: unknown = { A_Const: { boolval: { boolval: true } } };

/** A join whose members' names are hidden (an alias) or whose columns are merged (USING, NATURAL): not read. */
const opaqueJoin = (fields: Readonly<Record<string, unknown>>) => fields['isNatural'] === true || fields['usingClause'] !== undefined || fields['alias'] !== undefined;

/** The ON conditions every row of a FROM item meets: inner joins' own, and those of a preserved side of an outer join. */
export function innerJoinConditions(item: unknown): unknown[] {
  const { type, fields } = nodeOf(item);
  // A join with an alias hides its members' names: the same spelling outside may name another table.
  if (type !== 'JoinExpr' || opaqueJoin(fields)) return [];
  switch (fields['jointype']) {
    case 'JOIN_INNER': return [...(fields['quals'] === undefined ? [] : [fields['quals']]), ...innerJoinConditions(fields['larg']), ...innerJoinConditions(fields['rarg'])];
    case 'JOIN_LEFT': return innerJoinConditions(fields['larg']);
    case 'JOIN_RIGHT': return innerJoinConditions(fields['rarg']);
    default: return [];
  }
}

/** The names a FROM item exposes to the query around it (`b`, `bb` of `b as bb`, a join's members, a join's alias). */
function exposedNames(item: unknown): string[] {
  const { type, fields } = nodeOf(item);
  const alias = (nodeOf(fields['alias']).fields['aliasname'] ?? (fields['alias'] as { aliasname?: unknown } | undefined)?.aliasname) as string | undefined;
  if (type === 'RangeVar') return [alias ?? String(fields['relname'])];
  if (type === 'RangeTableSample') return exposedNames(fields['relation']);
  if (type === 'JoinExpr') return alias !== undefined ? [alias] : [...exposedNames(fields['larg']), ...exposedNames(fields['rarg'])];
  return alias === undefined ? [] : [alias];
}

/** `name.column IS NULL` for each two-part column reference of `columns` naming one of `names` (a null-extended side). */
function allNull(item: unknown, columns: readonly unknown[]): unknown | undefined {
  const names = new Set(exposedNames(item));
  const tests = columns.filter((column) => {
    const parts = list(nodeOf(column).fields['fields']).map((part) => nodeOf(part).fields['sval']);
    return parts.length === 2 && typeof parts[0] === 'string' && typeof parts[1] === 'string' && names.has(parts[0]);
  }).map((arg) => ({ NullTest: { arg, nulltesttype: 'IS_NULL' } }));
  return tests.length === 0 ? undefined : and(tests);
}

const column = (name: string, field: string): unknown => ({ ColumnRef: { fields: [{ String: { sval: name } }, { String: { sval: field } }] } });

/** `USING (c)` as the `l.c = r.c` it is, when each side exposes one name (undefined otherwise). */
function usingCondition(fields: Readonly<Record<string, unknown>>): unknown {
  const [left, right] = [exposedNames(fields['larg']), exposedNames(fields['rarg'])];
  if (left.length !== 1 || right.length !== 1) return undefined;
  return and(list(fields['usingClause']).map((name) => {
    const field = String(nodeOf(name).fields['sval']);
    return { A_Expr: { kind: 'AEXPR_OP', name: [{ String: { sval: '=' } }], lexpr: column(left[0]!, field), rexpr: column(right[0]!, field) } };
  }));
}

/**
 * The condition every row of a FROM item meets (undefined: nothing known), and whether an outer
 * join added to it what its nullable side holds. `columns` are the column references the
 * conditions beside it read: the null-extended side says NULL of those of its names.
 */
function rowCondition(item: unknown, columns: readonly unknown[]): { condition: unknown; outer: boolean } | undefined {
  const { type, fields } = nodeOf(item);
  if (type !== 'JoinExpr' || fields['isNatural'] === true || fields['alias'] !== undefined) return undefined;
  const quals = fields['usingClause'] === undefined ? fields['quals'] ?? TRUE : usingCondition(fields);
  if (quals === undefined) return undefined;
  const [left, right] = [rowCondition(fields['larg'], columns), rowCondition(fields['rarg'], columns)];
  const within = (...sides: (typeof left)[]) => sides.flatMap((side) => (side ? [side.condition] : []));
  const matched = and([quals, ...within(left, right)]);
  const outer = Boolean(left?.outer || right?.outer);
  const extended = (preserved: typeof left, nullable: unknown) => {
    const nulls = allNull(nullable, columns);
    return nulls === undefined ? undefined : and([...within(preserved), or([matched, nulls])]);
  };
  switch (fields['jointype']) {
    case 'JOIN_INNER': return { condition: matched, outer };
    case 'JOIN_LEFT': {
      const condition = extended(left, fields['rarg']);
      return condition === undefined ? (left && { ...left }) : { condition, outer: true };
    }
    case 'JOIN_RIGHT': {
      const condition = extended(right, fields['larg']);
      return condition === undefined ? (right && { ...right }) : { condition, outer: true };
    }
    default: return undefined;
  }
}

/**
 * What every row of the FROM clause meets through its outer joins, beside the WHERE (undefined when
 * no outer join says anything): a WHERE that cannot be true beside it is true on no row.
 */
export function outerJoinConditions(select: Readonly<Record<string, unknown>>): unknown | undefined {
  const columns: unknown[] = [];
  walkSqlTree([select['whereClause'], select['fromClause']], ({ type, fields }) => {
    if (type === 'SubLink' || type === 'RangeSubselect' || type === 'RangeFunction') return 'skip';
    if (type === 'ColumnRef') columns.push({ ColumnRef: fields });
    return undefined;
  });
  const conditions = list(select['fromClause']).map((item) => rowCondition(item, columns));
  return conditions.some((c) => c?.outer) ? and(conditions.flatMap((c) => (c ? [c.condition] : []))) : undefined;
}

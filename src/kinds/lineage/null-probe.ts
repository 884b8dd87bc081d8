/**
 * Whether a counted column can be NULL at all, asked of the server.
 *
 * A null_check passes when no counted value is NULL; a value that is never NULL whatever the row
 * holds passes over any data. A view fills it (`coalesce(name, '')`, `case when name is null then
 * 'missing' else name end`, `concat(name)`, `array[name]`, a constant), or a stored generated column
 * is computed so (`coalesce(name, '-')`): half the names NULL, and "every row has name filled"
 * passes. The family of such spellings is open, so the server decides: the value, as the plan
 * computes it (views inlined), is evaluated over one stand-in row per relation it reads in which
 * every column that may hold NULL holds NULL (a column the database may keep non-NULL — NOT NULL,
 * a domain, a partition key, any trigger, rule, policy, CHECK or index expression that may see it:
 * kept-columns.ts — holds a value of one of its rows, a stored generated column is computed from
 * those). A value that is not NULL there cannot
 * become NULL when the data it reads is NULL: the check cannot fail, and is `never_null`.
 *
 * A plain column of a table is the data and is not evaluated: its NOT NULL constraint, if any, is
 * the database refusing the NULL, a legitimate reason to pass. What cannot be evaluated apart
 * from its plan (a sub-select, a column of a sub-query or function scan) is not shown to become
 * NULL, and is refused the same way. The counted relation's rows are judged too (row-source.ts):
 * a column of a constant series counts no data.
 */
import { parsePlanText, PlanIndex, readsOfText, rootOf, rowInputsOf, type PlanNode } from './column-lineage.js';
import { probeInputs } from './value-probe.js';
import { isEvaluationError } from './fixed-values.js';
import { judgeRowSource } from './row-source.js';
import { loadSqlParser } from '../../sql/parser.js';
import { keptColumnsSql } from './kept-columns.js';
import { joinSql, regclassText, sql, tableSql, type SQL } from '../../sql/build.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';
import type { FaultInfo } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';

/** What the probe showed of one counted value. */
export type NullStanding = 'may_be_null' | 'never_null' | 'unevaluable';

/** One column of a relation as the catalog gives it. */
interface CatalogColumn { notNull: boolean; generated: string | undefined }
type Shapes = ReadonlyMap<string, ReadonlyMap<string, CatalogColumn>>;

/** One text the plan computes a counted value by, with the relations (by alias) it may read. */
interface PlannedValue { text: string; relations: ReadonlyMap<string, TableRef> }

const isNode = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The plan nodes whose outputs are the counted values: the top, or each member of a union at the top. */
function outputNodes(root: PlanNode): PlanNode[] {
  if (root.Output !== undefined) return [root];
  if (root['Node Type'] !== 'Append' && root['Node Type'] !== 'Merge Append') return [];
  return rowInputsOf(root);
}

/** The column a plan text is when it is a plain column reference (no cast), unresolved; undefined otherwise. */
function bareReference(text: string): { alias: string | undefined; column: string } | undefined {
  const parsed = parsePlanText(text, false);
  const ref = isNode(parsed?.expression) && isNode(parsed.expression.ColumnRef) ? parsed.expression.ColumnRef : undefined;
  const names = Array.isArray(ref?.fields) ? ref.fields.map((f) => (isNode(f) && isNode(f.String) && typeof f.String.sval === 'string' ? f.String.sval : undefined)) : [];
  if (names.length < 1 || names.length > 2 || names.some((n) => n === undefined)) return undefined;
  return names.length === 2 ? { alias: names[0], column: names[1]! } : { alias: undefined, column: names[0]! };
}

async function readShapes(ctx: ExecutionContext, source: string, relations: readonly TableRef[]): Promise<Map<string, Map<string, CatalogColumn>>> {
  const texts = [...new Set(relations.map((relation) => regclassText(relation)))];
  const shapes = new Map<string, Map<string, CatalogColumn>>();
  if (texts.length === 0) return shapes;
  for (const row of await ctx.query(source, keptColumnsSql(texts))) {
    const columns = shapes.get(String(row.relation)) ?? new Map<string, CatalogColumn>();
    columns.set(String(row.name), { notNull: row.not_null === true, generated: typeof row.generated === 'string' ? row.generated : undefined });
    shapes.set(String(row.relation), columns);
  }
  for (const columns of shapes.values()) keepInputsOfKeptGenerated(columns);
  return shapes;
}

/**
 * A stored generated column kept non-NULL keeps the columns it is computed from non-NULL too, as
 * far as the stand-in row goes (`g generated always as (upper(nick)) stored not null`: no row holds
 * a NULL nick that makes g NULL); failing toward refusing, every column it reads is taken so.
 */
function keepInputsOfKeptGenerated(columns: Map<string, CatalogColumn>): void {
  for (const column of [...columns.values()]) {
    if (column.generated === undefined || !column.notNull) continue;
    for (const read of readsOfText(column.generated, false)?.columns ?? []) {
      const input = columns.get(read.column);
      if (input !== undefined) columns.set(read.column, { ...input, notNull: true });
    }
  }
}

/**
 * The statement telling whether `text` is NULL (`n`) over one stand-in row per relation it reads:
 * columns that may hold NULL hold NULL, NOT NULL ones a value of one of the relation's rows, stored
 * generated columns computed over those; undefined when the text reads what no stand-in holds.
 */
export function planNullProbe(value: PlannedValue, shapes: Shapes): SQL | undefined {
  const byAlias = probeInputs(value.text, value.relations);
  if (byAlias === undefined) return undefined;
  const froms: SQL[] = [];
  for (const [alias, columns] of byAlias) {
    const relation = value.relations.get(alias)!;
    const shape = shapes.get(regclassText(relation));
    if (shape === undefined) return undefined;
    const inputs = new Set<string>();
    const generated: { column: string; expression: string }[] = [];
    for (const name of columns) {
      const column = shape.get(name);
      if (column === undefined) return undefined;
      // A generated column kept non-NULL is read as stored, like a column: computed over NULL inputs it could be NULL where no row is.
      if (column.generated === undefined || column.notNull) { inputs.add(name); continue; }
      const reads = readsOfText(column.generated, false);
      if (reads === undefined || reads.subplans.length > 0 || reads.params.length > 0) return undefined;
      for (const read of reads.columns) inputs.add(read.column);
      generated.push({ column: name, expression: column.generated });
    }
    if ([...inputs].some((name) => shape.get(name) === undefined || (shape.get(name)!.generated !== undefined && !shape.get(name)!.notNull))) return undefined;
    const table = tableSql(relation);
    const names = [...inputs];
    // A left join to no row types the NULLs as the columns are typed; to one row, it holds the NOT NULL ones.
    const picked = names.map((name) => sql`${sql.raw(shape.get(name)!.notNull ? 'h' : 'f')}.${sql.identifier(name)} as ${sql.identifier(name)}`);
    const list = names.length === 0 ? sql`` : joinSql(names.map((name) => sql`${sql.identifier(name)}`));
    const rows = names.length === 0
      ? sql`select`
      : sql`select ${joinSql(picked)} from (select) as o left join (select ${list} from ${table} limit 0) as f on true left join (select ${list} from ${table} limit 1) as h on true`;
    const computed = generated.map((g) => sql`(${sql.raw(g.expression)}) as ${sql.identifier(g.column)}`);
    froms.push(computed.length === 0 ? sql`(${rows}) as ${sql.identifier(alias)}` : sql`(select w.*, ${joinSql(computed)} from (${rows}) as w) as ${sql.identifier(alias)}`);
  }
  const from = froms.length === 0 ? sql`` : sql` from ${joinSql(froms, sql` cross join `)}`;
  return sql`select ((${sql.raw(value.text)}) is null) as n${from}`;
}

/**
 * Per counted value (the plan's first outputs), the texts to probe: none for a plain table column
 * that no generation expression computes; undefined when the plan computes it where no probe reaches.
 */
function plannedValues(root: PlanNode, count: number, shapes: Shapes): (PlannedValue[] | undefined)[] {
  const plan = new PlanIndex(root);
  const relations = new Map(plan.relationScans.map((scan) => [scan.Alias!, { schema: String(scan.Schema ?? ''), name: String(scan['Relation Name']) }]));
  const members = outputNodes(root);
  return Array.from({ length: count }, (_, i) => {
    if (members.length === 0) return undefined;
    const out: PlannedValue[] = [];
    for (const member of members) {
      const text = member.Output?.[i];
      if (text === undefined) return undefined;
      const bare = bareReference(text);
      const alias = bare?.alias ?? (bare && plan.relationScans.length === 1 ? plan.relationScans[0]!.Alias : undefined);
      const relation = alias === undefined ? undefined : relations.get(alias);
      const column = relation && shapes.get(regclassText(relation))?.get(bare!.column);
      // The data itself: a plain column of a table (a NOT NULL on it is the database refusing the NULL).
      if (column !== undefined && column.generated === undefined) continue;
      out.push({ text, relations });
    }
    return out;
  });
}

/** Probes each counted value: what each showed. The plan is `select <values> from <table>`'s. */
async function readNullStandings(ctx: ExecutionContext, source: string, explained: unknown, count: number): Promise<NullStanding[]> {
  const root = rootOf(explained);
  if (root === undefined) return Array.from({ length: count }, () => 'unevaluable');
  const plan = new PlanIndex(root);
  const shapes = await readShapes(ctx, source, plan.relationScans.map((scan) => ({ schema: String(scan.Schema ?? ''), name: String(scan['Relation Name']) })));
  const standings: NullStanding[] = [];
  for (const values of plannedValues(root, count, shapes)) {
    if (values === undefined) { standings.push('unevaluable'); continue; }
    let standing: NullStanding = 'may_be_null';
    for (const value of values) {
      const statement = planNullProbe(value, shapes);
      if (statement === undefined) { standing = 'unevaluable'; break; }
      try {
        const [row] = await ctx.query(source, statement);
        if (row?.n !== true) { standing = 'never_null'; break; }
      } catch (error) {
        // A value that errors over NULL inputs shows nothing; a fault of the read itself is "could not verify".
        if (!isEvaluationError(error)) throw error;
        standing = 'unevaluable';
        break;
      }
    }
    standings.push(standing);
  }
  return standings;
}

/** What null_check counts: its scope and the columns it counts NULLs of. */
export interface CountedColumns { source: string; table: TableRef; where?: string | undefined; columns: readonly string[] }

/**
 * The fault for a null_check whose counted rows come from no table or one of whose counted columns
 * is never NULL, or undefined. Asked on a pass only: a fail is never a wrong pass. `explained`: the
 * plan of `select <counted values> from <table> where <scope>` (scope-lineage.ts planScope), read
 * once for this judgement and the scope's.
 */
export async function countedColumnsFault(ctx: ExecutionContext, counted: CountedColumns, explained: unknown): Promise<FaultInfo | undefined> {
  await loadSqlParser();
  const root = rootOf(explained);
  const scope = `${formatTableRef(counted.table)}${counted.where === undefined ? '' : ` where ${counted.where}`}`;
  const rows = judgeRowSource(explained);
  if (!rows.fromTable) {
    return { code: 'fixed_rows', message: `the rows in scope of ${scope} do not come from a table's rows: as the server plans reading them, they are decided by a ${rows.node} (a set-returning function, VALUES, constants, GROUP BY grouping sets other than one non-empty set — ROLLUP, CUBE, an empty set, a set listed twice —, a recursive WITH, a plan node not known to keep each row at most once, such a node outer-joined to a table, or one multiplying a table's rows by a join or a select-list series), whatever any table holds, so their NULLs are no data's; check the table the view reads` };
  }
  // A plan proving the scope empty reads no row (min_rows judges an empty scope).
  if (root?.['One-Time Filter'] === 'false' && (root.Plans ?? []).length === 0) return undefined;
  const standings = await readNullStandings(ctx, counted.source, explained, counted.columns.length);
  const at = standings.findIndex((standing) => standing !== 'may_be_null');
  if (at < 0) return undefined;
  const named = `the counted column "${counted.columns[at]}" of ${scope}`;
  const remedy = 'count the column the backfill writes, in the table itself';
  if (standings[at] === 'never_null') {
    return { code: 'never_null', message: `${named} is not NULL even where every column it is computed from that may hold NULL holds NULL (a view's coalesce, CASE, concat or constant, or a stored generated column computing one): it cannot be NULL whatever the data holds, so the check passes whatever the backfill did; ${remedy}` };
  }
  return { code: 'never_null', message: `${named} is computed where its value could not be evaluated over NULL inputs (a sub-select, a column of a sub-query or set-returning function, or an error over NULL inputs): it could not be shown to become NULL when the data it reads is NULL, and a value that never is would pass whatever the backfill did; ${remedy}` };
}

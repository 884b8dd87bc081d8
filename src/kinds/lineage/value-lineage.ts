/**
 * Which table columns a comparing check's two values are computed from, asked of the server's plan.
 *
 * column_parity `old: name`, `new: "coalesce(name, name)"` on one table — or `name || ''`, or a
 * table_diff of a table with itself mapping `name` to a function of `name` — compares a value with
 * itself and passes whatever the data holds; `new: "coalesce(full_name_v2, name)"` agrees wherever
 * the new column was never written. No spelling rule closes that (one more column, a view renaming
 * `name`, a sub-select reading the same row back, a partition of the table): the plan does. Each
 * side's values are planned (EXPLAIN VERBOSE, no row read), and what each value depends on is read
 * from the plan (column-lineage.ts): views inlined, names resolved, partitions listed.
 *
 * A column is named by its relation's oid and its name, so `t.name` read through a view, an alias
 * or a sub-select is one column. In a join form the key columns are matched on both sides by
 * construction: a key column of either side is the key, whatever relation holds it. A value's
 * columns count only where they belong to a relation whose rows the check compares (the scans of
 * the sides' own tables, not a lookup in a sub-select, whose row is chosen by columns that do count).
 *
 * The rule: on one pair of compared values, old and new must have no column in common, else the
 * pair compares (part of) something with itself. Sound in one direction: what cannot be told (a
 * whole-row reference, a window function, a plan that cannot be read) is never taken as apart.
 */
import { dependsOn, planLineage, type ColumnRead, type PlanLineage } from './column-lineage.js';
import { readCatalogReads, readRelationOids, withCatalogReads } from './catalog-lineage.js';
import type { ExecutionContext } from '../types.js';
import { explainSql, planOfRow } from '../../sql/planned-answer.js';
import { loadSqlParser } from '../../sql/parser.js';
import { joinSql, predicateSql, regclassText, sql, tableSql, type SQL } from '../../sql/build.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';
import type { FaultInfo } from '../../results/fault.js';
import { databaseInstanceSql } from '../../introspect/relation-reach.js';

/** One side's compared values as it reads them. */
export interface ValueSide {
  readonly source: string;
  readonly table: TableRef;
  readonly where?: string | undefined;
  /** The key columns, in order: matched on both sides by construction when `keysMatched`. */
  readonly keys: readonly SQL[];
  /** The compared values, raw (before normalisers, which apply to both sides alike). */
  readonly values: readonly SQL[];
}

/** What one value depends on: `relation-oid.column` or `key:i`; undefined when it cannot be told. */
export type ValueColumns = ReadonlySet<string> | undefined;

interface PlanNode { 'Parent Relationship'?: string; 'Relation Name'?: string; Alias?: string; Plans?: PlanNode[] }

/**
 * The scans whose rows are the query's own rows: every relation scan not under a sub-plan (a
 * sub-select or WITH query reads rows the outer row chooses; its columns count through the
 * conditions that choose them, column-lineage.ts dependsOn).
 */
function rowScanAliases(explained: unknown): Set<string> {
  const root = Array.isArray(explained) ? (explained[0] as { Plan?: PlanNode } | undefined)?.Plan : undefined;
  const aliases = new Set<string>();
  const visit = (node: PlanNode) => {
    if (typeof node['Relation Name'] === 'string' && typeof node.Alias === 'string') aliases.add(node.Alias);
    for (const child of node.Plans ?? []) {
      if (child['Parent Relationship'] !== 'SubPlan' && child['Parent Relationship'] !== 'InitPlan') visit(child);
    }
  };
  if (root) visit(root);
  return aliases;
}

/**
 * One side's plan, judged: per value what it depends on, the relations whose rows it compares, and
 * whether it scans a foreign table (whose rows may be the other side's own, through a loopback).
 */
interface SideColumns { values: ValueColumns[]; rowRelations: Set<string>; foreign: boolean; lineage: PlanLineage | undefined }


/** Plans one side's keys and values (no row read) and reads what each value depends on. */
async function readSide(ctx: ExecutionContext, side: ValueSide, keysMatched: boolean, tag: string): Promise<SideColumns> {
  const outputs = [...side.keys, ...side.values];
  const [row] = await ctx.query(side.source, explainSql(sql`select ${joinSql(outputs)} from ${tableSql(side.table)} where ${predicateSql(side.where)}`));
  const explained = planOfRow(row);
  const planned: PlanLineage | undefined = planLineage(explained, outputs.length);
  const untold = { values: side.values.map(() => undefined), rowRelations: new Set<string>(), foreign: false, lineage: undefined };
  if (planned === undefined) return untold;
  // A stored generated column is computed from its row's other columns (catalog-lineage.ts).
  const lineage = withCatalogReads(planned, await readCatalogReads(ctx, side.source, planned, regclassText));
  const texts = [...new Set([...lineage.relations.values()].map((relation) => regclassText(relation)))];
  // `tag`: the database, where the two sides' oids are not one numbering.
  const oids = new Map<string, string>();
  const foreign = new Set<string>();
  for (const [text, found] of await readRelationOids(ctx, side.source, texts)) {
    oids.set(text, `${tag}${found.oid}`);
    if (found.kind === 'f') foreign.add(`${tag}${found.oid}`);
  }
  const oidOf = (alias: string) => {
    const relation = lineage.relations.get(alias);
    return relation === undefined ? undefined : oids.get(regclassText(relation));
  };
  const rowAliases = rowScanAliases(explained);
  const named = (read: ColumnRead) => {
    const oid = oidOf(read.alias);
    return oid === undefined ? undefined : `${oid}.${read.column}`;
  };
  // A key column, read through whatever the side's table is, is the key on both sides.
  const keyOf = new Map<string, string>();
  if (keysMatched) {
    side.keys.forEach((_, i) => {
      for (const read of lineage.outputs[i] ?? []) {
        const column = named(read);
        if (column !== undefined) keyOf.set(column, `key:${i}`);
      }
    });
  }
  const rowRelations = new Set([...rowAliases].flatMap((alias) => oidOf(alias) ?? []));
  const values = side.values.map((_, j): ValueColumns => {
    const reads = dependsOn(lineage, lineage.outputs[side.keys.length + j], rowAliases);
    if (reads === undefined) return undefined;
    const columns = new Set<string>();
    for (const read of reads) {
      const column = named(read);
      // A relation whose name no longer resolves cannot be told from the other side's; nor can a
      // foreign table's column, which only its wrapper knows the table and column of.
      if (column === undefined || foreign.has(column.slice(0, column.indexOf('.')))) return undefined;
      // The key's column keeps its own name beside the key's: a key output read through a sub-query
      // the plan cannot see into reads every column under it, and renaming them all the key made a
      // value of the other side's column (`v.name` over `users`) count as the key alone.
      columns.add(column);
      const key = keyOf.get(column);
      if (key !== undefined) columns.add(key);
    }
    return columns;
  });
  return { values, rowRelations, foreign: foreign.size > 0, lineage };
}

/** How one pair of compared values stands. */
export type PairStanding = 'apart' | 'same' | 'overlapping' | 'untold';

/** Judges one pair (pure): columns of compared rows (or the key) both values depend on. */
export function pairStanding(old: ValueColumns, fresh: ValueColumns, rowRelations: ReadonlySet<string>): { standing: PairStanding; common: string[] } {
  if (old === undefined || fresh === undefined) return { standing: 'untold', common: [] };
  const counts = (column: string) => column.startsWith('key:') || rowRelations.has(column.slice(0, column.indexOf('.')));
  const common = [...old].filter((column) => fresh.has(column) && counts(column)).sort();
  if (common.length === 0) return { standing: 'apart', common };
  const same = old.size === fresh.size && [...old].every((column) => fresh.has(column));
  return { standing: same ? 'same' : 'overlapping', common };
}

/** Each pair's standing, with the columns it shares as the operator knows them. */
export interface PairFinding { standing: PairStanding; common: string[] }

/**
 * Plans both sides and judges each pair of compared values; `keysMatched`: the sides' rows are
 * paired by the key (a join form, table_diff), so the key is one value on both.
 */
export async function readValuePairs(ctx: ExecutionContext, sides: { old: ValueSide; new: ValueSide }, keysMatched: boolean): Promise<PairFinding[]> {
  return (await readValuePlans(ctx, sides, keysMatched)).findings;
}

/**
 * readValuePairs, with each side's plan lineage (the keys' outputs first, then the values'), for
 * a judgement of the values themselves (fixed-values.ts); undefined where the plan was not read.
 */
export async function readValuePlans(ctx: ExecutionContext, sides: { old: ValueSide; new: ValueSide }, keysMatched: boolean): Promise<{ findings: PairFinding[]; lineages: { old: PlanLineage | undefined; new: PlanLineage | undefined } }> {
  // Plans are read as SQL texts (column-lineage.ts): the parser loads once per process, here first
  // for a run whose check files needed none (a table_diff).
  await loadSqlParser();
  // Two databases share no relation, so their columns are kept apart; only a foreign table (which
  // may read the other side's rows) or the key can be common to both.
  const oneDatabase = await readOneDatabase(ctx, { old: sides.old.source, new: sides.new.source });
  const [old, fresh] = await Promise.all([readSide(ctx, sides.old, keysMatched, oneDatabase ? '' : 'old:'), readSide(ctx, sides.new, keysMatched, oneDatabase ? '' : 'new:')]);
  const rowRelations = new Set([...old.rowRelations, ...fresh.rowRelations]);
  // `oid.column` as the operator knows it: the column's name (the key stays `key:i`).
  const shown = (column: string) => (column.startsWith('key:') ? column : column.slice(column.indexOf('.') + 1));
  const findings = old.values.map((value, i) => {
    const { standing, common } = pairStanding(value, fresh.values[i], rowRelations);
    return { standing, common: [...new Set(common.map(shown))] };
  });
  return { findings, lineages: { old: old.lineage, new: fresh.lineage } };
}

/**
 * The fault for one value pair that does not stand apart (column_parity's single pair), or
 * undefined. `where`: how the operator names the sides.
 */
export function valuePairFault(finding: PairFinding, where: string): FaultInfo | undefined {
  if (finding.standing === 'apart') return undefined;
  if (finding.standing === 'untold') {
    return { code: 'self_comparison', message: `what ${where} compute their values from cannot be told from the plan (a whole-row reference, a window function, a foreign table — whose rows may be the other side's own through a loopback —, a relation whose name no longer resolves): whether the check compares something with itself cannot be told; compare expressions over the table's columns` };
  }
  const columns = finding.common.map((column) => (column.startsWith('key:') ? 'the key' : column)).join(', ');
  if (finding.standing === 'same') {
    return { code: 'self_comparison', message: `${where} compute old and new from the same columns of the same rows (${columns}): a check comparing a value with a function of itself can never fail for anything the migration did; point new at the new shape, or state the invariant with sql_assert` };
  }
  return { code: 'reads_other_side', message: `${where} compute old and new both from ${columns} of the same rows: a new value computed from what the old value is read from (a coalesce falling back on the old column) agrees with it wherever the new columns were never written; compute new from the new columns only` };
}

/** How a check names the sides of a pair in its messages. */
export function sidesNamed(sides: { old: ValueSide; new: ValueSide }): string {
  const one = (side: ValueSide) => `${formatTableRef(side.table)} on source "${side.source}"`;
  return sides.old.source === sides.new.source && regclassText(sides.old.table) === regclassText(sides.new.table) ? `old and new (${one(sides.old)})` : `old (${one(sides.old)}) and new (${one(sides.new)})`;
}

/**
 * Whether two sources read one database now: the same source, or two names (URLs) reaching the same
 * server instance and database. Only then are their relations' oids one numbering.
 */
async function readOneDatabase(ctx: ExecutionContext, sources: { old: string; new: string }): Promise<boolean> {
  if (sources.old === sources.new) return true;
  const [old, fresh] = await Promise.all([sources.old, sources.new].map(async (source) => (await ctx.query(source, sql`select ${databaseInstanceSql()} as instance`))[0]?.instance));
  return typeof old === 'string' && old !== '' && old === fresh;
}

/**
 * The fault for a check comparing many value pairs (table_diff's columns), or undefined: a pair
 * that cannot be told or overlaps refuses the check; pairs computed from the same columns compare a
 * value with itself — harmless beside a pair that moved, a self-comparison when none did.
 */
export function valuePairsFault(findings: readonly PairFinding[], names: readonly string[], where: string): FaultInfo | undefined {
  const at = (standing: PairStanding) => findings.findIndex((finding) => finding.standing === standing);
  for (const standing of ['untold', 'overlapping'] as const) {
    const i = at(standing);
    if (i >= 0) return prefixed(valuePairFault(findings[i]!, where)!, names[i]!);
  }
  if (findings.length === 0 || at('apart') >= 0) return undefined;
  return prefixed(valuePairFault(findings[0]!, where)!, names.join(', '));
}

const prefixed = (fault: FaultInfo, column: string): FaultInfo => ({ ...fault, message: `column ${column}: ${fault.message}` });

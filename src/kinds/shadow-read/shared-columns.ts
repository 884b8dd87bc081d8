/**
 * Two SQL paths whose rows come from the same rows (one table migrating its columns: old
 * `full_name`, new `first_name`/`last_name`) compare something only where a compared column is
 * computed from other columns on each path. Both reading `name` — spelled `u.name`, `name as
 * name`, through a view, `coalesce(name, name)`, a cast that keeps the value — compare a value
 * with itself and can never fail; a new column computed from the old column it replaces and more
 * (`coalesce(first_name || …, full_name)`) agrees wherever the new columns were lost.
 *
 * Pure: judged from each path's plan lineage (column-lineage.ts) and which relations hold the
 * shared rows. A compared column is:
 * - the same on both paths when what it depends on is the same set of columns (the value may be
 *   spelled differently; whether two spellings are one function cannot be told, so they are taken
 *   to be);
 * - moved when the columns of the shared rows each path's value depends on have none in common
 *   (the key column, matched on both sides by construction, set aside);
 * - otherwise it reads part of what the other path's value is read from: `reads_other_side`.
 * A check with no moved column compares every value with itself: `self_comparison`. A column whose
 * reads cannot be told is never taken as moved.
 */
import { dependsOn, planLineage, type ColumnRead, type PlanLineage } from './column-lineage.js';
import { planShadowDescribe, planShadowQuery, type SqlPath } from './read-path.js';
import { explainSql, planOfRow } from '../../sql/planned-answer.js';
import { regclassText, sql } from '../../sql/build.js';
import type { ExecutionContext } from '../types.js';

/** One path as judged: its plan's lineage, its output column names in order, and each scanned relation's identity. */
export interface PathColumnsRead {
  lineage: PlanLineage;
  names: readonly string[];
  /** Per scan alias: 'shared' when it holds the shared rows, else an identity of its own (its oid). */
  identity: (alias: string) => string;
}

/** What the two paths' compared columns say, or undefined when some compared column moved and none reads the other's. */
export type SharedColumnsFinding =
  | { code: 'self_comparison'; columns: { name: string; reads: string[] }[]; untold: string[] }
  | { code: 'reads_other_side'; column: string; shared: string[] };

/** A read as `relation identity.column`, the relation collapsed to 'shared' for the shared rows. */
const readOf = (path: PathColumnsRead) => (read: ColumnRead) => `${path.identity(read.alias)}.${read.column}`;

/**
 * The key column each path's rows are matched by, as a column of the shared rows, and the aliases
 * it is read through (the relations the query's rows are rows of); none when not told exactly.
 */
function keyReads(path: PathColumnsRead, key: readonly string[]): { columns: Set<string>; aliases: Set<string> } {
  const columns = new Set<string>();
  const aliases = new Set<string>();
  for (const column of key) {
    const at = path.names.indexOf(column);
    const reads = at < 0 ? undefined : path.lineage.outputs[at];
    const read = reads && new Set(reads.map(readOf(path)));
    if (!reads || !read || read.size !== 1 || ![...read][0]!.startsWith('shared.')) return { columns: new Set(), aliases: new Set() };
    columns.add([...read][0]!);
    for (const r of reads) aliases.add(r.alias);
  }
  return { columns, aliases };
}

/** Judges the compared columns (pure): those both paths return, neither a key column nor ignored. */
export function judgeSharedColumns(old: PathColumnsRead, fresh: PathColumnsRead, options: { key: readonly string[]; ignore: readonly string[] }): SharedColumnsFinding | undefined {
  const skip = new Set([...options.key, ...options.ignore]);
  const [oldKey, newKey] = [keyReads(old, options.key), keyReads(fresh, options.key)];
  const value = (path: PathColumnsRead, rowAliases: Set<string>, name: string, keyColumns: Set<string>) => {
    const reads = dependsOn(path.lineage, path.lineage.outputs[path.names.indexOf(name)], rowAliases);
    return reads && new Set(reads.map(readOf(path)).filter((read) => !keyColumns.has(read)));
  };
  const same: { name: string; reads: string[] }[] = [];
  const untold: string[] = [];
  let moved = false;
  for (const name of new Set(old.names)) {
    if (skip.has(name) || !fresh.names.includes(name)) continue;
    // The key column each path's rows are matched by is the same value on both by construction: set aside.
    const [a, b] = [value(old, oldKey.aliases, name, oldKey.columns), value(fresh, newKey.aliases, name, newKey.columns)];
    if (a === undefined || b === undefined) { untold.push(name); continue; }
    if (a.size === b.size && [...a].every((read) => b.has(read))) { same.push({ name, reads: [...a].sort() }); continue; }
    // Columns of the shared rows both values read.
    const common = [...a].filter((read) => read.startsWith('shared.') && b.has(read));
    if (common.length > 0) return { code: 'reads_other_side', column: name, shared: common.map((read) => read.slice('shared.'.length)).sort() };
    moved = true;
  }
  if (untold.length > 0 || !moved) return same.length + untold.length === 0 ? undefined : { code: 'self_comparison', columns: same, untold };
  return undefined;
}

/** The fault for a finding, phrased for the operator (pure). */
export function sharedColumnsFault(finding: SharedColumnsFinding, sources: { old: string; new: string }): { code: string; message: string } {
  const where = `old (its query on source "${sources.old}") and new (its query on source "${sources.new}")`;
  if (finding.code === 'reads_other_side') {
    return { code: 'reads_other_side', message: `${where} read the same rows, and both compute ${finding.column} from ${finding.shared.join(', ')} (and one of them from more): a value computed from the column the other path's value is read from (a coalesce falling back on the old column) agrees with it whatever the new columns hold; compute each compared column from its own side's columns only, or compare the column that moved as a field of its own` };
  }
  const same = finding.columns.map((column) => `${column.name} from ${column.reads.map((read) => read.replace(/^shared\./, '')).join(', ') || 'no column'}`);
  if (finding.untold.length > 0) {
    return { code: 'self_comparison', message: `${where} read the same rows, and what ${finding.untold.join(', ')} ${finding.untold.length === 1 ? 'is' : 'are'} computed from cannot be told from the plan (a window function, a whole-row reference, a VALUES list)${same.length > 0 ? `; both compute ${same.join('; ')}` : ''}: whether the check compares something with itself cannot be told; select each compared column from the table's columns` };
  }
  return { code: 'self_comparison', message: `${where} read the same rows, and compute every compared column from the same columns (${same.join('; ')}): a check comparing something with itself can never fail; point new at the new shape (the columns that moved)` };
}

/**
 * Reads each path's plan (EXPLAIN VERBOSE over the sampled keys, no row read), its column names
 * and the relations it scans, and judges the compared columns; the fault, or undefined.
 * `shared`: the oids of the relations the paths' shared rows come from (path-reads.ts).
 */
export async function readSharedColumnsProblem(ctx: ExecutionContext, spec: { key: readonly string[]; old: SqlPath; new: SqlPath; compare: { ignore: readonly string[] } }, keys: readonly string[][], shared: ReadonlySet<string>): Promise<{ code: string; message: string } | undefined> {
  const read = async (path: SqlPath): Promise<PathColumnsRead | undefined> => {
    const names = (await ctx.describe(path.source, planShadowDescribe(path, spec.key, keys.slice(0, 1)))).map((column) => column.name);
    // Every sampled key: an arm or partition the planner leaves out for these keys serves none of them.
    const [row] = await ctx.query<Record<string, unknown>>(path.source, explainSql(planShadowQuery(path, spec.key, keys)));
    const lineage = planLineage(planOfRow(row), names.length);
    if (lineage === undefined) return undefined;
    const texts = [...new Set([...lineage.relations.values()].map((relation) => regclassText(relation)))];
    const oids = new Map<string, string | null>();
    for (const text of texts) {
      const [found] = await ctx.query<{ oid: string | null }>(path.source, sql`select pg_catalog.to_regclass(${text}::pg_catalog.text)::pg_catalog.oid::pg_catalog.text as oid`);
      oids.set(text, found?.oid ?? null);
    }
    const identity = (alias: string) => {
      const relation = lineage.relations.get(alias);
      const oid = relation === undefined ? null : oids.get(regclassText(relation)) ?? null;
      return oid !== null && shared.has(oid) ? 'shared' : `${oid ?? `?${alias}`}`;
    };
    return { lineage, names, identity };
  };
  const [old, fresh] = await Promise.all([read(spec.old), read(spec.new)]);
  const finding: SharedColumnsFinding | undefined = old === undefined || fresh === undefined
    ? { code: 'self_comparison', columns: [], untold: ['its columns'] }
    : judgeSharedColumns(old, fresh, { key: spec.key, ignore: spec.compare.ignore });
  return finding && sharedColumnsFault(finding, { old: spec.old.source, new: spec.new.source });
}

/**
 * Two SQL paths whose rows come from the same rows (one table migrating its columns: old
 * `full_name`, new `first_name`/`last_name`) compare something only where a compared column is
 * computed from other columns on each path. Both reading `name` — spelled `u.name`, `name as
 * name`, through a view, `coalesce(name, name)`, a cast that keeps the value — compare a value
 * with itself and can never fail; a new column computed from the old column it replaces and more
 * (`coalesce(first_name || …, full_name)`) agrees wherever the new columns were lost.
 *
 * Pure: judged from each path's plan lineage (lineage/column-lineage.ts) and which relations hold the
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
import { dependsOn, planLineage, type ColumnRead, type PlanLineage } from '../lineage/column-lineage.js';
import { readCatalogReads, readRelationOids, withCatalogReads } from '../lineage/catalog-lineage.js';
import { planValueProbe } from '../lineage/value-probe.js';
import { planShadowDescribe, planShadowQuery, type SqlPath } from './read-path.js';
import { explainSql, planOfRow } from '../../sql/planned-answer.js';
import { regclassText } from '../../sql/build.js';
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
  | { code: 'self_comparison'; columns: { name: string; reads: string[] }[]; untold: string[]; fixed: string[] }
  | { code: 'reads_other_side'; column: string; shared: string[]; chosen: boolean };

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

/**
 * The shared rows' columns (the key's aside) any condition of a path reads: a filter, a join, a
 * sort or an index order decides which of a key's rows a path answers with (`distinct on (id) …
 * order by id, (a = b) desc` picks the row where the sides agree), so a condition reading the other
 * side's value makes the answer depend on it. Undefined when a condition cannot be told.
 */
function conditionReads(path: PathColumnsRead, keyColumns: Set<string>): Set<string> | undefined {
  const out = new Set<string>();
  for (const condition of path.lineage.conditions) {
    if (condition === undefined) return undefined;
    for (const read of condition.map(readOf(path))) if (read.startsWith('shared.') && !keyColumns.has(read)) out.add(read);
  }
  return out;
}

/** The compared columns (both paths return, neither a key column nor ignored), sorted by what lineage says of them (pure). */
function classify(old: PathColumnsRead, fresh: PathColumnsRead, options: { key: readonly string[]; ignore: readonly string[] }) {
  const skip = new Set([...options.key, ...options.ignore]);
  const [oldKey, newKey] = [keyReads(old, options.key), keyReads(fresh, options.key)];
  const value = (path: PathColumnsRead, rowAliases: Set<string>, name: string, keyColumns: Set<string>) => {
    const reads = dependsOn(path.lineage, path.lineage.outputs[path.names.indexOf(name)], rowAliases);
    return reads && new Set(reads.map(readOf(path)).filter((read) => !keyColumns.has(read)));
  };
  const [oldChooses, newChooses] = [conditionReads(old, oldKey.columns), conditionReads(fresh, newKey.columns)];
  const same: { name: string; reads: string[] }[] = [];
  const untold: string[] = [];
  const moved: string[] = [];
  for (const name of new Set(old.names)) {
    if (skip.has(name) || !fresh.names.includes(name)) continue;
    // The key column each path's rows are matched by is the same value on both by construction: set aside.
    const [a, b] = [value(old, oldKey.aliases, name, oldKey.columns), value(fresh, newKey.aliases, name, newKey.columns)];
    if (a === undefined || b === undefined) { untold.push(name); continue; }
    if (a.size === b.size && [...a].every((read) => b.has(read))) { same.push({ name, reads: [...a].sort() }); continue; }
    // Columns of the shared rows both values read.
    const common = [...a].filter((read) => read.startsWith('shared.') && b.has(read));
    if (common.length > 0) return { otherSide: { code: 'reads_other_side' as const, column: name, shared: common.map((read) => read.slice('shared.'.length)).sort(), chosen: false } };
    if (oldChooses === undefined || newChooses === undefined) { untold.push(name); continue; }
    // A path choosing its row by a column the other path's value is read from.
    const chosen = [...[...b].filter((read) => oldChooses.has(read)), ...[...a].filter((read) => newChooses.has(read))];
    if (chosen.length > 0) return { otherSide: { code: 'reads_other_side' as const, column: name, shared: [...new Set(chosen.map((read) => read.slice('shared.'.length)))].sort(), chosen: true } };
    moved.push(name);
  }
  return { same, untold, moved };
}

/** The compared columns whose values read disjoint columns of the shared rows on the two paths (pure): the ones to probe (lineage/value-probe.ts). */
export function movedColumns(old: PathColumnsRead, fresh: PathColumnsRead, options: { key: readonly string[]; ignore: readonly string[] }): string[] {
  const judged = classify(old, fresh, options);
  return 'otherSide' in judged ? [] : judged.moved;
}

/**
 * Judges the compared columns (pure): those both paths return, neither a key column nor ignored.
 * `fixed`: moved columns whose value on either path was found the same whatever its inputs — they
 * compare nothing, as a column that did not move.
 */
export function judgeSharedColumns(old: PathColumnsRead, fresh: PathColumnsRead, options: { key: readonly string[]; ignore: readonly string[]; fixed?: ReadonlySet<string> }): SharedColumnsFinding | undefined {
  const judged = classify(old, fresh, options);
  if ('otherSide' in judged) return judged.otherSide;
  const { same, untold, moved } = judged;
  const fixed = moved.filter((name) => options.fixed?.has(name));
  if (untold.length > 0 || moved.length === fixed.length) {
    return same.length + untold.length + fixed.length === 0 ? undefined : { code: 'self_comparison', columns: same, untold, fixed };
  }
  return undefined;
}

/** The fault for a finding, phrased for the operator (pure). */
export function sharedColumnsFault(finding: SharedColumnsFinding, sources: { old: string; new: string }): { code: string; message: string } {
  const where = `old (its query on source "${sources.old}") and new (its query on source "${sources.new}")`;
  if (finding.code === 'reads_other_side' && finding.chosen) {
    return { code: 'reads_other_side', message: `${where} read the same rows, and one of them chooses which rows it answers ${finding.column} from (a filter, a join, an ORDER BY under DISTINCT ON or LIMIT, an index order) by ${finding.shared.join(', ')}, which the other path's ${finding.column} is read from: a path picking the row where the sides agree agrees whatever the new columns hold; choose each side's rows by the key or by columns neither compared value reads` };
  }
  if (finding.code === 'reads_other_side') {
    return { code: 'reads_other_side', message: `${where} read the same rows, and both compute ${finding.column} from ${finding.shared.join(', ')} (and one of them from more): a value computed from the column the other path's value is read from (a coalesce falling back on the old column) agrees with it whatever the new columns hold; compute each compared column from its own side's columns only, or compare the column that moved as a field of its own` };
  }
  const same = finding.columns.map((column) => `${column.name} from ${column.reads.map((read) => read.replace(/^shared\./, '')).join(', ') || 'no column'}`);
  if (finding.untold.length > 0) {
    return { code: 'self_comparison', message: `${where} read the same rows, and what ${finding.untold.join(', ')} ${finding.untold.length === 1 ? 'is' : 'are'} computed from cannot be told from the plan (a window function, a whole-row reference, a VALUES list, a function that is not PostgreSQL's own)${same.length > 0 ? `; both compute ${same.join('; ')}` : ''}: whether the check compares something with itself cannot be told; select each compared column from the table's columns` };
  }
  if (finding.fixed.length > 0) {
    return { code: 'self_comparison', message: `${where} read the same rows, and every compared column that moved (${finding.fixed.join(', ')}) takes one value whatever the columns it reads hold (at most NULL besides: over rows of the table with the key held, it took fewer than two non-NULL values), or could not be evaluated apart from its query${same.length > 0 ? `; the others are computed from the same columns (${same.join('; ')})` : ''}: a check comparing such values can never fail; compare the moved columns themselves (or values of them that tell their rows apart)` };
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
    const planned = planLineage(planOfRow(row), names.length);
    if (planned === undefined) return undefined;
    const lineage = withCatalogReads(planned, await readCatalogReads(ctx, path.source, planned, regclassText));
    const texts = [...new Set([...lineage.relations.values()].map((relation) => regclassText(relation)))];
    const oids = new Map([...await readRelationOids(ctx, path.source, texts)].map(([text, found]) => [text, found.oid]));
    const identity = (alias: string) => {
      const relation = lineage.relations.get(alias);
      const oid = relation === undefined ? null : oids.get(regclassText(relation)) ?? null;
      return oid !== null && shared.has(oid) ? 'shared' : `${oid ?? `?${alias}`}`;
    };
    return { lineage, names, identity };
  };
  const [old, fresh] = await Promise.all([read(spec.old), read(spec.new)]);
  if (old === undefined || fresh === undefined) return sharedColumnsFault({ code: 'self_comparison', columns: [], untold: ['its columns'], fixed: [] }, { old: spec.old.source, new: spec.new.source });
  const options = { key: spec.key, ignore: spec.compare.ignore };
  let finding = judgeSharedColumns(old, fresh, options);
  if (finding === undefined) {
    // Lineage alone let the check run: one moved column whose value depends on its inputs on both paths must remain.
    const fixed = new Set<string>();
    for (const name of movedColumns(old, fresh, options)) {
      const informative = await takesValues(ctx, spec.old.source, old, name, spec.key, keys) && await takesValues(ctx, spec.new.source, fresh, name, spec.key, keys);
      if (informative) break;
      fixed.add(name);
    }
    finding = judgeSharedColumns(old, fresh, { ...options, fixed });
  }
  return finding && sharedColumnsFault(finding, { old: spec.old.source, new: spec.new.source });
}

/**
 * Whether the value a path computes for column `name` takes two distinct non-NULL values over
 * probe rows with the key held (lineage/value-probe.ts); false when it cannot be evaluated apart from
 * its query, or the evaluation fails.
 */
async function takesValues(ctx: ExecutionContext, source: string, path: PathColumnsRead, name: string, key: readonly string[], keys: readonly string[][]): Promise<boolean> {
  const text = path.lineage.texts[path.names.indexOf(name)];
  // The shared relation's key columns (what the path's key outputs read), each with its sampled values.
  const keyColumns = key.map((column) => {
    const reads = path.lineage.outputs[path.names.indexOf(column)];
    return reads?.length === 1 && path.identity(reads[0]!.alias) === 'shared' ? reads[0]!.column : undefined;
  });
  const told = keyColumns.every((column) => column !== undefined);
  const held = (alias: string) => (path.identity(alias) === 'shared' && told ? keyColumns.map((column, i) => ({ column: column!, values: keys.map((parts) => parts[i]!) })) : []);
  for (const grouped of path.lineage.groups ? [false, true] : [false]) {
    const probe = planValueProbe(text, path.lineage.relations, held, grouped);
    if (probe === undefined) return false;
    try {
      const [row] = await ctx.query<{ n: string | number }>(source, probe);
      if (Number(row?.n ?? 0) >= 2) return true;
    } catch {
      // An expression that does not run apart from its query (an aggregate, a column it groups by) is not judged by it.
    }
  }
  return false;
}

/**
 * Whether a path's answer is read from the other side's rows. A shadow read compares what the old
 * path answers with what the new path answers; an old query that takes its values from the new
 * table (a join, a `coalesce` over it, a scalar sub-query, a LATERAL, a CTE, a UNION arm, a view
 * wrapping it) answers what the new path answers, and a new table wrong on 30% of its keys passed.
 * A new query filling its gaps from the old table passes the same way.
 *
 * The relations each query names come from its parse tree (relationsRead); what they are comes
 * from the server (planRelationReach, as the self-comparison probe asks it, with the search path
 * the reads run with): views are followed through everything their definitions read, tables to
 * their partitions and inheriting tables. Where each path's rows come from is the relation its
 * rows are rows of (oldRowSource, applied to either query). A path that reads anything the other
 * path's rows come from is refused, unless the two paths' rows come from the same rows (a
 * migration of one table: its old and new columns); a relation both read that neither path's rows
 * come from (a lookup) is allowed. Where a path's row source cannot be told, everything it reads
 * stands for it: fail-closed.
 */
import { regclassText } from '../../sql/build.js';
import type { TableRef } from '../../sql/identifiers.js';
import { loadSqlParser } from '../../sql/parser.js';
import { planRelationReach, readReach, relationsReached, sharedRows, type Reach } from '../../introspect/relation-reach.js';
import type { ExecutionContext } from '../types.js';
import { oldRowSource, relationsRead } from './sample-side.js';

/** What one SQL path reads, as its server resolved it. */
export interface PathReads {
  /** The server and database read (two paths share relations only on one). */
  instance: string;
  /** Every relation the query may read data from (oid → name). */
  reads: Map<string, string>;
  /** The relation its rows come from: its reach (rows-holding relations, or itself when not a plain projection) and all it reads; undefined when not told. */
  rows: { reach: Reach; reads: Map<string, string> } | undefined;
}

/** The problem when either path reads where the other's rows come from, phrased for the operator (pure). */
export function otherSideProblem(old: PathReads, fresh: PathReads): string | undefined {
  if (old.instance === '' || old.instance !== fresh.instance) return undefined;
  // One table's old and new columns: both paths read its rows, and that is the migration itself.
  if (old.rows && fresh.rows && sharedRows(old.rows.reach, fresh.rows.reach) !== undefined) return undefined;
  const against = (reader: PathReads, other: PathReads) => {
    const source = other.rows?.reads ?? other.reads;
    return [...reader.reads].filter(([oid]) => source.has(oid)).map(([, name]) => name);
  };
  const how = (side: PathReads) => (side.rows ? 'come from' : 'may come from (the relation its rows come from cannot be told: qualify the key column with it, `select n.id …`)');
  const oldReadsNew = against(old, fresh);
  if (oldReadsNew.length > 0) {
    return `the old query reads ${oldReadsNew.join(', ')}, where the new path's rows ${how(fresh)}: an old answer read from the new side's rows agrees with the new path whatever they hold, so a new side that lost or changed them would pass; read the old side only`;
  }
  const newReadsOld = against(fresh, old);
  if (newReadsOld.length > 0) {
    return `the new query reads ${newReadsOld.join(', ')}, where the old path's rows ${how(old)}: a new answer read from the old side's rows (a coalesce filling its gaps, a join taking its values) agrees with the old path whatever the new side holds; read the new side only`;
  }
  return undefined;
}

/** The reach statement's row for each name, by its regclass text. */
async function reachRows(ctx: ExecutionContext, source: string, names: readonly TableRef[]): Promise<Map<string, Record<string, unknown> | undefined>> {
  const distinct = [...new Map(names.map((name) => [regclassText(name), name])).values()];
  const rows = await Promise.all(distinct.map(async (name) => [regclassText(name), (await ctx.query(source, planRelationReach(name)))[0]] as const));
  return new Map(rows);
}

/** Merges each name's relations into one map. */
function reachedBy(rows: Iterable<Record<string, unknown> | undefined>): Map<string, string> {
  const out = new Map<string, string>();
  for (const row of rows) for (const [oid, name] of relationsReached(row)) out.set(oid, name);
  return out;
}

/** What a SQL path reads, asked of its source: one reach statement per relation its query names. */
async function pathReads(ctx: ExecutionContext, path: { source: string; query: string }, key: readonly string[]): Promise<PathReads> {
  const names = relationsRead(path.query);
  const source = oldRowSource(path.query, key);
  const rows = await reachRows(ctx, path.source, source ? [...names, source] : names);
  // With no relation named, the instance still says which server a path is on.
  const instance = readReach(names.length === 0 ? (await ctx.query(path.source, planRelationReach(undefined)))[0] : rows.values().next().value).reader.instance;
  const sourceRow = source && rows.get(regclassText(source));
  return {
    instance,
    reads: reachedBy(rows.values()),
    rows: sourceRow ? { reach: readReach(sourceRow).reach, reads: reachedBy([sourceRow]) } : undefined,
  };
}

/** Both SQL paths' reads as their server resolved them, undefined when a path is HTTP (its reads cannot be seen). */
export async function readBothPaths(ctx: ExecutionContext, spec: { key: readonly string[]; old: object; new: object }): Promise<{ old: PathReads; new: PathReads } | undefined> {
  const sql = (path: object): path is { source: string; query: string } => 'query' in path && 'source' in path;
  if (!sql(spec.old) || !sql(spec.new)) return undefined;
  // View definitions are parsed to tell a plain projection's rows.
  await loadSqlParser();
  const [old, fresh] = await Promise.all([pathReads(ctx, spec.old, spec.key), pathReads(ctx, spec.new, spec.key)]);
  return { old, new: fresh };
}

/**
 * The relations holding the rows both paths' rows come from (oids: the rows-holding relations and
 * everything on the way to them), when the two paths were allowed to read one table's rows (pure);
 * undefined otherwise. Which of its columns each compares is then judged (shared-columns.ts).
 */
export function sharedRowRelations(old: PathReads, fresh: PathReads): Set<string> | undefined {
  if (old.instance === '' || old.instance !== fresh.instance || !old.rows || !fresh.rows) return undefined;
  if (sharedRows(old.rows.reach, fresh.rows.reach) === undefined) return undefined;
  const rowsOf = (reach: Reach) => (reach !== null && 'rows' in reach ? reach.rows : []);
  return new Set([...old.rows.reads.keys(), ...fresh.rows.reads.keys(), ...rowsOf(old.rows.reach), ...rowsOf(fresh.rows.reach)]);
}

/**
 * The run-time half of the self-comparison refusal. The catalog refuses a check whose two sides
 * read the same thing as the file says it (catalog/build-catalog.ts); what only the server can
 * tell — `users` and `public.users` reaching one relation, a plain view of the other side's table
 * (renaming its columns or not), a partitioned table and its only partition, a parent and its
 * child sharing rows, two URLs reaching one database — is judged here, before the check reads any rows and again after a pass. A check that
 * compares something with itself can never fail, so it is "could not verify", never a pass.
 */
import { canonicalJson } from '../checkfile/hash.js';
import type { FaultInfo } from '../results/fault.js';
import type { SourceRegistry } from '../sources/registry.js';
import { formatTableRef } from '../sql/identifiers.js';
import { loadSqlParser, withSqlParser } from '../sql/parser.js';
import type { ColumnRenaming } from '../sql/shape.js';
import { columnAliasesOf, loneTablesApart, namedRelationOf, planRelationKind, planRelationReach, readReach, sharedRows, type Reach } from '../introspect/relation-reach.js';
import { readPlanRows, sharedArms, type PlanArm, type PlanRows } from '../introspect/plan-reach.js';
import type { BaseCheckSpec, CheckKind, CountScan, ExecutionContext, ScanFacts, SideRead } from '../kinds/types.js';
import type { TableRef } from '../sql/identifiers.js';
import { regclassText } from '../sql/build.js';
import { parseTableRef } from '../sql/identifiers.js';
import type { ProvenRelation } from '../introspect/table-identity.js';

/** A check whose two sides may be one: how to ask, and what its own count scans can prove instead. */
export interface SelfComparison {
  /**
   * Asks the servers whether the sides read the same rows; the fault when they do. A side whose
   * counts proved the relation they read is asked about that relation, by oid, never its name again.
   */
  probe(proven?: ProvenSides): Promise<FaultInfo | undefined>;
  /** The table each side names, when both name one. */
  readonly tables: { readonly old: SideTable; readonly new: SideTable } | undefined;
}

interface SideTable { readonly source: string; readonly table: TableRef }

const sameTable = (scan: CountScan, side: SideTable) => scan.source === side.source && regclassText(scan.table) === regclassText(side.table);

/**
 * Whether the check's count scans will prove what each side's table is: a scan of each table in
 * one statement (not chunked: a chunked scan reads many transactions), which reads the relation's
 * oid and kind under a lock held while it counts (runner/scans.ts).
 */
export function countsWillProve(self: SelfComparison, scans: readonly CountScan[], chunked: (source: string) => boolean): boolean {
  const { tables } = self;
  if (!tables) return false;
  return [tables.old, tables.new].every((side) => scans.some((scan) => sameTable(scan, side) && (scan.where !== undefined || !chunked(scan.source))));
}

/** The relation each side's counts read, where every count of that side proved one and the same. */
export interface ProvenSides { readonly old?: ProvenRelation | undefined; readonly new?: ProvenRelation | undefined }

/**
 * What the counts proved each side read (a side with a count that proved nothing is left out), or
 * the fault when two counts of one side read two relations (its name moved between them).
 */
export function provenSides(self: SelfComparison, scans: readonly CountScan[], facts: readonly ScanFacts[]): ProvenSides | { fault: FaultInfo } {
  const { tables } = self;
  if (!tables) return {};
  const proven: Record<'old' | 'new', ProvenRelation | undefined> = { old: undefined, new: undefined };
  for (const which of ['old', 'new'] as const) {
    const proofs = scans.flatMap((scan, i) => (sameTable(scan, tables[which]) ? [facts[i]?.relation] : []));
    if (proofs.length === 0 || proofs.some((proof) => proof === undefined)) continue;
    const [first] = proofs as ProvenRelation[];
    if (proofs.some((proof) => proof!.oid !== first!.oid || proof!.kind !== first!.kind)) {
      const named = `${formatTableRef(tables[which].table)} on source "${tables[which].source}"`;
      return { fault: { code: 'table_replaced', message: `${which}'s counts of ${named} read two relations (the name reached another table between them); counts of two tables are never compared — run the check again` } };
    }
    proven[which] = first;
  }
  return proven;
}

/**
 * Whether the counts proved the sides apart: each side's table was counted as an ordinary table no
 * table inherits from, and the two are different tables: they never show a row in common whatever
 * the servers (loneTablesApart, the shortcut the probe itself takes first).
 */
export function apartByTheirCounts(proven: ProvenSides | { fault: FaultInfo }): boolean {
  return !('fault' in proven) && loneTablesApart(proven.old, proven.new);
}

/** Every column name as one: sides equal under it may be one SQL over a view renaming columns. */
const NAMES_ERASED: ColumnRenaming = { column: () => '', byName: 'erased' };

/** A view's renaming as the kinds' sides apply it; a name the view does not show matches nothing real. */
function renamingOf(reach: Reach): ColumnRenaming | undefined {
  if (!reach?.renamed) return undefined;
  const columns = new Map(reach.renamed);
  return { column: (name) => columns.get(name) ?? `\u0000not a column: ${name}`, byName: reach.renamed };
}

/**
 * A side's columns as one arm of its plan shows them (plan-reach.ts): each by what it shows over
 * the relation the arm scans, so SQL over two sides is the same SQL only where it reads the same
 * columns or expressions of them; a column the plan does not tell is one only this side has.
 */
function renamingOfArm(columns: readonly string[], arm: PlanArm, which: 'old' | 'new'): ColumnRenaming {
  const told = columns.length <= arm.columns.length;
  const pairs = columns.map((name, i): [string, string] => [name, (told ? arm.columns[i] : undefined) ?? `\u0000${which} alone: ${name}`]);
  const shown = new Map(pairs);
  return { column: (name) => shown.get(name) ?? `\u0000not a column: ${name}`, byName: pairs.sort() };
}

/**
 * Which side's rows are made of rows another side reads as its own (a relation one of its arms
 * scans, filtered or not), and that relation; undefined when neither. A side reading nothing but
 * the other side's tables and keeping at most one row of each (a real filter, a limit, DISTINCT ON,
 * a one-to-one self-join) is a subset of those rows that its own data decides: it compares, as
 * before (self-comparison-planned-noops.test.ts). Two sides each joining a third table read it as
 * neither's own rows: not this either.
 */
function madeOfOther(old: PlanRows, neu: PlanRows): ['old' | 'new', string] | undefined {
  for (const [maker, rows, other] of [['new', neu, old], ['old', old, neu]] as const) {
    const own = new Set(other.arms.flatMap((at) => (at.scans === undefined ? [] : [at.scans])));
    const arm = other.arms.find((at) => at.scans !== undefined && rows.made.feeds.has(at.scans));
    const subset = rows.made.within && [...rows.made.reads].every((relation) => own.has(relation));
    if (arm && !subset) return [maker, arm.relation];
  }
  return undefined;
}

const sameReads = (sides: { old: SideRead; new: SideRead }) => canonicalJson(sides.old.reads) === canonicalJson(sides.new.reads);

/**
 * Built-ins whose answer depends on the role reading (or on its role-level settings): SQL calling
 * any of them may mean something else to another role. Matched in the sides' parse trees as
 * names anywhere, so a column of such a name (`"user"`) also keeps two roles apart: a missed
 * refusal then needs that column, two roles and the same rows.
 */
const ASKS_WHO_READS = /SVFOP_(CURRENT_USER|CURRENT_ROLE|SESSION_USER|USER|CURRENT_SCHEMA)\b|(^|[^a-z_])(current_user|session_user|current_role|user|current_setting|current_schemas?|pg_has_role|row_security_active|has_[a-z_]+_privilege)([^a-z_]|$)/i;
const asksWhoReads = (sides: { old: SideRead; new: SideRead }) => ASKS_WHO_READS.test(canonicalJson(sides.old.reads)) || ASKS_WHO_READS.test(canonicalJson(sides.new.reads));

/**
 * The self-comparison question for a check's two sides, or undefined when no server could make them one: they read
 * different SQL (filters, values, keys, queries) even with column names set aside, one is not a
 * database read, or they read two sources that are not both Postgres servers (an embedded database
 * is reached by one name only). Costs nothing then; otherwise one catalog statement per side.
 */
export async function selfComparisonOf<Spec extends BaseCheckSpec>(kind: CheckKind<Spec>, spec: Spec, ctx: ExecutionContext, sources: SourceRegistry): Promise<SelfComparison | undefined> {
  if (!kind.sides) return undefined;
  const sidesOf = kind.sides;
  // Sides are read by their SQL's shape, which needs the parser — loaded (once per process) only
  // when a side has SQL to parse: a row_count of two tables with no filter never loads it.
  const written = await withSqlParser(() => sidesOf(spec));
  const { old, new: neu } = written;
  if (old.source === undefined || neu.source === undefined) return undefined;
  if (!sameReads(written) && !sameReads(await withSqlParser(() => sidesOf(spec, { old: NAMES_ERASED, new: NAMES_ERASED })))) return undefined;
  const sameSource = old.source === neu.source;
  if (!sameSource) {
    const drivers = await Promise.all([old.source, neu.source].map(async (name) => (await sources.get(name)).driver));
    if (drivers.some((driver) => driver !== 'postgres')) return undefined;
  }
  const tables = old.table !== undefined && neu.table !== undefined ? { old: { source: old.source, table: old.table }, new: { source: neu.source, table: neu.table } } : undefined;
  const where = (side: SideRead) => `${side.table === undefined ? 'its query' : formatTableRef(side.table)} on source "${side.source}"`;
  /**
   * Whether the sides' plans read the same rows (plan-reach.ts), each side planned as the relation
   * the reach statement was asked about; the fault when they do and, over the rows both read, the
   * SQL each side writes against its own columns is the same SQL. Two statements, one per side.
   */
  const plannedSelfComparison = async (rows: (Record<string, unknown> | undefined)[]): Promise<FaultInfo | undefined> => {
    const named = rows.map(namedRelationOf);
    const tables = named.map((relation) => (relation === undefined ? undefined : parseTableRef(relation.name)));
    if (tables.some((table) => table === undefined || 'error' in table)) return undefined;
    const [oldRows, newRows] = await Promise.all([old, neu].map((side, i) => readPlanRows(ctx, side.source!, tables[i] as TableRef, columnAliasesOf(rows[i]))));
    const found = sharedArms(oldRows!.arms, newRows!.arms);
    const pair = found?.pairs.find(([armA, armB]) => sameReads(sidesOf(spec, { old: renamingOfArm(named[0]!.columns, armA, 'old'), new: renamingOfArm(named[1]!.columns, armB, 'new') })));
    const server = sameSource ? '' : ', on one server and database, as one role with the same settings';
    if (!found || !pair) {
      const made = madeOfOther(oldRows!, newRows!);
      if (made === undefined) return undefined;
      const [maker, table] = made;
      return { code: 'self_comparison', message: `old (${where(old)}) and new (${where(neu)}) share rows as the server plans them: ${maker === 'old' ? 'old' : 'new'}'s rows are made of rows of ${table}, which the other side reads as its own rows (a join, a set operation, DISTINCT, a window, an order, a limit or a grouping over it: rows counted whatever its own tables hold)${server}, with the same filter: the check compares something with itself and cannot fail for it; compare tables that share no rows (point new at the new shape)` };
    }
    if (found.same) {
      return { code: 'self_comparison', message: `old (${where(old)}) and new (${where(neu)}) read the same rows as the server plans them: both scan ${[...new Set(found.pairs.map(([arm]) => arm.relation))].join(', ')} under the same conditions (what a view adds there does nothing: an offset 0, a limit all, a condition that holds on every row)${server}, with the same filter and values: a check comparing something with itself can never fail; point new at the new shape` };
    }
    const alone = [['old', found.onlyA], ['new', found.onlyB]].flatMap(([which, names]) => (names!.length > 0 ? [`only ${which as string} reads ${(names as string[]).join(', ')}`] : []));
    return { code: 'self_comparison', message: `old (${where(old)}) and new (${where(neu)}) share rows as the server plans them: both scan ${pair[0].relation} under the same conditions (a UNION arm, an outer join's kept side, EXCEPT's left member: rows the side holds whatever else it reads; ${alone.join('; ')})${server}, with the same filter and values: on the rows both read the check compares something with itself and can never fail; compare tables that share no rows (point new at the new shape)` };
  };
  const probe = async (proven: ProvenSides = {}): Promise<FaultInfo | undefined> => {
    const sides = [{ side: old, read: proven.old }, { side: neu, read: proven.new }];
    // Most checks get here (a row_count's two sides both read `count(*)`): two ordinary tables of
    // different oids, neither an inheritance parent, share no row whatever the servers, and costs a
    // catalog lookup per side, not the full reach (5–7 ms a statement on Postgres, which made every
    // row_count ~20 ms dearer).
    if (old.table !== undefined && neu.table !== undefined) {
      const [oldKind, newKind] = await Promise.all(sides.map(async ({ side, read }) => read ?? (await ctx.query(side.source!, planRelationKind(side.table!)))[0]));
      if (loneTablesApart(oldKind, newKind)) return undefined;
    }
    // Beyond two lone tables: view definitions are parsed (readReach), and sides renamed.
    await loadSqlParser();
    // What a count read is asked of by oid: its name may reach another relation by now.
    const rows = await Promise.all(sides.map(async ({ side, read }) => (await ctx.query(side.source!, planRelationReach(read ?? side.table)))[0]));
    const [a, b] = rows.map(readReach);
    // Sides without a table (a shadow_read query) read the same SQL: the reader alone decides.
    const bothQueries = old.table === undefined && neu.table === undefined;
    // Two roles read the same rows of one table alike (row security is off in every read, and a
    // column a role may not read fails the read); only SQL asking who reads can tell them apart.
    const roleMatters = bothQueries || asksWhoReads(written);
    const sameReader = sameSource || (a!.reader.instance !== '' && a!.reader.instance === b!.reader.instance
      && (!roleMatters || a!.reader.role === b!.reader.role) && a!.reader.settings === b!.reader.settings);
    if (!sameReader) return undefined;
    // A relation a count read and that is gone by now: one read by both sides is the same rows;
    // otherwise what it showed (a view over the other side's table?) can no longer be told.
    const gone = sides.filter(({ read }, i) => read !== undefined && [a, b][i]!.reach === null);
    // A view redefined since it was counted shows other rows now than those its count read.
    const changed = sides.filter(({ read }, i) => read?.identity !== undefined && [a, b][i]!.reach !== null && rows[i]?.identity !== read.identity);
    if (changed.length > 0) {
      return { code: 'table_replaced', message: changed.map(({ side }) => `the relation ${where(side)} was counted from was redefined before the check could tell whether the other side read the same rows; run the check again`).join('; ') };
    }
    if (gone.length > 0) {
      if (proven.old !== undefined && proven.old.oid === proven.new?.oid && sameReads(written)) {
        return { code: 'self_comparison', message: `old (${where(old)}) and new (${where(neu)}) were counted from one relation (oid ${proven.old.oid}, dropped since), with the same filter and values: a check comparing something with itself can never fail; point new at the new shape` };
      }
      return { code: 'table_replaced', message: gone.map(({ side }) => `the relation ${where(side)} was counted from was dropped before the check could tell whether the other side read the same rows; run the check again`).join('; ') };
    }
    const shared = bothQueries ? undefined : sharedRows(a!.reach, b!.reach);
    // A view the reach does not follow (anything but a plain projection) may read the other side's
    // rows all the same, through clauses that do nothing (`offset 0`, `where 1 = 1`): the plan tells.
    if (!bothQueries && !shared && [a!.reach, b!.reach].some((reach) => reach !== null && 'relation' in reach)) {
      const planned = await plannedSelfComparison(rows);
      if (planned) return planned;
    }
    // A foreign table's rows may be the other side's very table (postgres_fdw back to this
    // database, or to the other source's): nothing the catalog says tells them apart.
    const foreign = bothQueries ? [] : [...(a!.reach?.foreign ?? []), ...(b!.reach?.foreign ?? [])];
    if (!bothQueries && !shared && foreign.length === 0) return undefined;
    // Over one relation, the SQL each side writes against its own names must be the same SQL.
    const renaming = { old: renamingOf(a!.reach), new: renamingOf(b!.reach) };
    if (!sameReads(renaming.old || renaming.new ? sidesOf(spec, renaming) : written)) return undefined;
    if (!shared && foreign.length > 0) {
      return {
        code: 'self_comparison',
        message: `old (${where(old)}) and new (${where(neu)}) read the same SQL, and ${foreign.join(', ')} ${foreign.length === 1 ? 'is a foreign table' : 'are foreign tables'}: its rows come from a server and table only its foreign-data wrapper knows, which may be the other side's own (a loopback), so whether the check compares something with itself cannot be told; give that server a source of its own and point the side at its table`,
      };
    }
    const server = sameSource ? '' : ', on one server and database, as one role with the same settings';
    if (shared && (shared.onlyA.length > 0 || shared.onlyB.length > 0)) {
      // Rows both sides read always agree with themselves: the check could fail on the rest alone
      // (and passes whenever that is empty), so it verifies nothing about the rows it shares.
      const alone = [['old', shared.onlyA], ['new', shared.onlyB]].flatMap(([which, names]) => (names!.length > 0 ? [`only ${which as string} reads ${(names as string[]).join(', ')}`] : []));
      return {
        code: 'self_comparison',
        message: `old (${where(old)}) and new (${where(neu)}) share rows: both read ${shared.shared.join(', ')} (through inheritance or partitions; ${alone.join('; ')})${server}, with the same filter and values: on the rows both read the check compares something with itself and can never fail; compare tables that share no rows (point new at the new shape)`,
      };
    }
    const reached = shared ? `: both reach ${shared.shared.join(', ') || 'no rows-holding relation'}` : '';
    return {
      code: 'self_comparison',
      message: `old (${where(old)}) and new (${where(neu)}) read the same rows${reached}${server}, with the same filter and values: a check comparing something with itself can never fail; point new at the new shape`,
    };
  };
  return { probe, tables };
}

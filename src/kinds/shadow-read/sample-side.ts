/**
 * Which side's keys a shadow read samples (pure, judged when the check file loads). The claim of a
 * pass is about the population the keys are drawn from: "of the keys in `sample.from`, fewer than
 * max_mismatch_rate read differently". A key that population lacks is never drawn, so a sample of
 * the NEW side's table can never show a key the new shape lost — a migration that dropped 30% of
 * the rows passed. The sample must hold the OLD side's keys (what clients can read today); a key
 * only the new side has (an extra) is outside that claim, and a row count or table_diff shows it.
 *
 * Told from the paths: a SQL old path on `sample.from`'s source whose rows come from that one
 * relation (its top-level FROM, through plain CTEs and sub-selects, never a sub-query in WHERE or
 * the nullable side of an outer join: `oldRowSource`) holds that relation's keys. A name written
 * with a schema on one side only is confirmed on the server when the check runs
 * (`sampleRelationToConfirm`). When the paths cannot tell (HTTP, a view, a join, a UNION, another
 * database), the check file says so with `side: old`; `side: new`, or a table only the new path
 * reads, cannot load.
 */
import { findKeyPlaceholders, withPositionalParameters } from '../../sql/key-placeholders.js';
import { parseSql } from '../../sql/parser.js';
import { stringNodeValue, untag, walkSqlTree } from '../../sql/tree-walk.js';
import { tableReferencesOf } from '../../sql/with-scope.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';
import { regclassText, sql, type SQL } from '../../sql/build.js';

type Path = { source: string; query: string } | { http: string };

export interface SampleScopeSides {
  /** The key columns: where the old rows come from a join, the key's output column says from which relation. */
  key?: readonly string[] | undefined;
  from: { source: string; table: TableRef; where?: string | undefined; side?: 'old' | 'new' | undefined };
  old: Path;
  new: Path;
}

/** The problem with the sampled side, phrased for `sample.from`, or undefined when it holds the old side's keys. */
export function sampleSideProblem(spec: SampleScopeSides): string | undefined {
  const { from } = spec;
  const shown = `${formatTableRef(from.table)} on ${from.source}`;
  const lost = 'a key the new side lost (present in the old, missing in the new) is never drawn, so a migration that dropped rows would pass';
  if (from.side === 'new') return `side: new samples the new side's keys: ${lost}; sample the old side's table (side: old)`;
  const filter = whereReadsNewSide(spec);
  if (filter) return `sample.from.where reads ${formatTableRef(filter)}, which the new path reads and the old query does not name: a filter by the new side's rows leaves out exactly the keys the new side lost, so a migration that dropped rows would pass; scope the sample only by what the old side holds`;
  if (oldRowSourceMatch(spec.old, from, spec.key) !== undefined) return undefined;
  // The new path reads this very table. Refused whatever `side` says when the old path is a query
  // that never names it (its reads are known); where the old query names it elsewhere than as its
  // row source (a sub-query, a join), `side: old` is the operator's word.
  const oldNames = readsScope(spec.old, from);
  if (readsScope(spec.new, from) && (from.side !== 'old' || ('query' in spec.old && !oldNames))) {
    const where = oldNames ? ', and the old query\'s rows do not come from it alone (it is named in a sub-query, a join, an outer join\'s nullable side or a UNION arm)' : ', not the old path';
    const unless = 'query' in spec.old && !oldNames ? '' : ' (or, if it holds every key the old path serves, say so with side: old)';
    return `${shown} is what the new path reads${where}: ${lost}; sample the old side's table${unless}`;
  }
  if (from.side === 'old') return undefined;
  // Two sources: a table on the new one is the new side's; one on the old source that the old rows
  // do not come from may hold anything (a copy of the new table, a sub-query's lookup), so it says side: old.
  if ('source' in spec.old && 'source' in spec.new && spec.old.source !== spec.new.source) {
    if (from.source === spec.new.source) return `${shown} is in the new path's source (${spec.new.source}), not the old path's (${spec.old.source}): ${lost}; sample the old side's table (or, if this table holds every key the old path serves, say so with side: old)`;
  }
  return `cannot tell whether ${shown} holds the old side's keys (no old path query on ${from.source} takes its rows from it alone: a relation named only in a sub-query, an outer join's nullable side, a join, a UNION or another source is not where the old rows come from); if a sample from it can draw every key the old path serves, say so with side: old — a sample of the new side's keys never draws a key the new side lost`;
}

/** Whether a SQL path on the scope's source names the scope's table anywhere (a relation of that name, not a CTE). */
function readsScope(path: Path, from: { source: string; table: TableRef }): boolean {
  if (!('query' in path) || path.source !== from.source) return false;
  return relationsRead(path.query).some((r) => mayBeSame(r, from.table));
}

/** Whether two names may denote one relation without asking the server (a missing schema matches any). */
function mayBeSame(a: TableRef, b: TableRef): boolean {
  return a.name === b.name && (a.schema === undefined || b.schema === undefined || a.schema === b.schema);
}

/** The relations a query names (`schema.name` or `name`), leaving out names its own WITH clauses define. */
export function relationsRead(query: string): TableRef[] {
  const parsed = parseSql(withPositionalParameters(query, findKeyPlaceholders(query)));
  if (parsed.kind !== 'parsed') return [];
  // A name a WITH query defines is that query only where the WITH query is seen (sql/with-scope.ts).
  return tableReferencesOf(parsed.tree).flatMap(({ fields, target }) => {
    if (target) return [];
    const [schema, name] = [fields['schemaname'], fields['relname']];
    return [typeof schema === 'string' ? { schema, name: String(name) } : { name: String(name) }];
  });
}

type Fields = Record<string, unknown>;

/** A node's fields when it is the tagged node `type`, for trees that hold some nodes tagged and some not. */
function nodeOf(value: unknown, type: string): Fields | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const node = untag(value as Fields);
  if (node.type === type) return node.fields;
  return node.type === undefined ? node.fields : undefined;
}

/** A relation every row of a query is a row of, and the name the query refers to it by (its alias). */
interface RowSource { table: TableRef; qualifier: string | undefined }

/**
 * The one relation the old query's rows come from, or undefined when the parse tree cannot say.
 * A row of `from a left join b` is a row of `a`; of `a join b`, of both — then the key's output
 * column (`select a.id …`) says which; of a UNION, of either arm (neither); of `from t where exists
 * (select … from n)`, of `t` only. CTEs and sub-selects in FROM are followed; a recursive WITH,
 * a FULL JOIN, a function or VALUES is the row source of nothing.
 */
export function oldRowSource(query: string, key: readonly string[] = []): TableRef | undefined {
  const parsed = parseSql(withPositionalParameters(query, findKeyPlaceholders(query)));
  if (parsed.kind !== 'parsed') return undefined;
  const stmts = (parsed.tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  if (stmts.length !== 1) return undefined;
  const select = nodeOf(stmts[0]!.stmt, 'SelectStmt');
  const sources = selectRowSources(select, new Map());
  if (sources.length === 1) return sources[0]!.table;
  // Several (an inner join): the relation the key's output columns are all read from, by qualifier.
  const qualifier = keyQualifier(select, key);
  if (qualifier === undefined) return undefined;
  const named = sources.filter((source) => source.qualifier === qualifier);
  return named.length === 1 ? named[0]!.table : undefined;
}

/** The one qualifier every key column's output is read through (`select u.id …` → `u`), or undefined. */
function keyQualifier(select: Fields | undefined, key: readonly string[]): string | undefined {
  if (select === undefined || key.length === 0) return undefined;
  const targets = ((select['targetList'] as unknown[] | undefined) ?? []).map((t) => nodeOf(t, 'ResTarget'));
  const qualifiers = new Set<string | undefined>();
  for (const column of key) {
    const outputs = targets.flatMap((target) => {
      const ref = nodeOf(target?.['val'], 'ColumnRef');
      const fields = ((ref?.['fields'] as unknown[] | undefined) ?? []).map(stringNodeValue);
      const name = typeof target?.['name'] === 'string' ? target['name'] : fields.at(-1);
      return name === column ? [fields] : [];
    });
    const [fields] = outputs;
    if (outputs.length !== 1 || fields === undefined || fields.length !== 2 || fields[0] === undefined) return undefined;
    qualifiers.add(fields[0]);
  }
  return qualifiers.size === 1 ? [...qualifiers][0] : undefined;
}

/** The relations every row of a SELECT is a row of; none for a set operation or a SELECT without FROM. */
function selectRowSources(select: Fields | undefined, outer: ReadonlyMap<string, Fields | undefined>): RowSource[] {
  if (select === undefined) return [];
  const ctes = new Map(outer);
  const withClause = select['withClause'] as { ctes?: unknown[]; recursive?: boolean } | undefined;
  for (const entry of withClause?.ctes ?? []) {
    const cte = nodeOf(entry, 'CommonTableExpr');
    // A recursive WITH's rows come partly from itself: not followed.
    if (typeof cte?.['ctename'] === 'string') ctes.set(cte['ctename'], withClause?.recursive === true ? undefined : nodeOf(cte['ctequery'], 'SelectStmt'));
  }
  const op = select['op'];
  if (op !== undefined && op !== 'SETOP_NONE') {
    // A row of a UNION (or INTERSECT) is a row of either arm: only a relation both arms take every
    // row from is a row source (`… from users union all … from users`); EXCEPT's rows are its left arm's.
    const [left, right] = [selectRowSources(nodeOf(select['larg'], 'SelectStmt'), ctes), selectRowSources(nodeOf(select['rarg'], 'SelectStmt'), ctes)];
    const same = (a: TableRef, b: TableRef) => a.name === b.name && a.schema === b.schema;
    const kept = op === 'SETOP_EXCEPT' ? left : left.filter((l) => right.some((r) => same(l.table, r.table)));
    return kept.map((source) => ({ table: source.table, qualifier: undefined }));
  }
  // FROM a, b is an inner (cross) join: every row is a row of each item's relations.
  return ((select['fromClause'] as unknown[] | undefined) ?? []).flatMap((item) => fromItemRowSources(item, ctes));
}

/** The relations every row of a FROM item is a row of, named by the item's alias. */
function fromItemRowSources(item: unknown, ctes: ReadonlyMap<string, Fields | undefined>): RowSource[] {
  if (typeof item !== 'object' || item === null) return [];
  const { type, fields } = untag(item as Fields);
  const alias = (fields['alias'] as { aliasname?: unknown } | undefined)?.aliasname;
  const as = (inner: RowSource[], name: string | undefined) => inner.map((source) => ({ table: source.table, qualifier: typeof alias === 'string' ? alias : name }));
  if (type === 'RangeVar') {
    const name = fields['relname'];
    if (typeof name !== 'string') return [];
    const schema = typeof fields['schemaname'] === 'string' ? fields['schemaname'] : undefined;
    if (schema === undefined && ctes.has(name)) return as(selectRowSources(ctes.get(name), new Map([...ctes].filter(([cte]) => cte !== name))), name);
    return as([{ table: schema === undefined ? { name } : { schema, name }, qualifier: undefined }], name);
  }
  if (type === 'RangeSubselect') return as(selectRowSources(nodeOf(fields['subquery'], 'SelectStmt'), ctes), undefined);
  if (type === 'JoinExpr') {
    // Only the preserved side of an outer join is where every row comes from. A join with an
    // alias hides its members' names: its relations can no longer be told apart by qualifier.
    const hidden = (inner: RowSource[]) => (typeof alias === 'string' ? as(inner, undefined) : inner);
    const [left, right] = [fromItemRowSources(fields['larg'], ctes), fromItemRowSources(fields['rarg'], ctes)];
    switch (fields['jointype']) {
      case 'JOIN_INNER': return hidden([...left, ...right]);
      case 'JOIN_LEFT': return hidden(left);
      case 'JOIN_RIGHT': return hidden(right);
      default: return [];
    }
  }
  return [];
}

/** How the old query's row source matches `sample.from`: the same name written the same way, or to be confirmed on the server. */
function oldRowSourceMatch(path: Path, from: { source: string; table: TableRef }, key: readonly string[] | undefined): { confirm?: { sampled: TableRef; read: TableRef } } | undefined {
  if (!('query' in path) || path.source !== from.source) return undefined;
  const read = oldRowSource(path.query, key);
  if (read === undefined || read.name !== from.table.name) return undefined;
  if (read.schema === from.table.schema) return {};
  if (read.schema !== undefined && from.table.schema !== undefined) return undefined;
  // One side names the schema, the other leaves it to the search path: the server says whether it is the same relation.
  return { confirm: { sampled: from.table, read } };
}

/**
 * The two names to resolve on `sample.from`'s source before sampling, when the load judged the
 * sampled relation the old rows' source by a name written with a schema on one side only
 * (`acc` and `hs_old.acc`): `acc` may be another schema's table on the search path the check runs
 * with. Undefined when nothing is left to confirm (`side: old` is the operator's word).
 */
export function sampleRelationToConfirm(spec: SampleScopeSides): { sampled: TableRef; read: TableRef } | undefined {
  if (spec.from.side !== undefined) return undefined;
  return oldRowSourceMatch(spec.old, spec.from, spec.key)?.confirm;
}

/** Resolves both names on the source, with the search path the check's reads run with: the oids, NULL where a name is no relation. */
export function planSampleRelationCheck(names: { sampled: TableRef; read: TableRef }): SQL {
  return sql`select to_regclass(${regclassText(names.sampled)})::oid::text as sampled, to_regclass(${regclassText(names.read)})::oid::text as read`;
}

/** The problem when the two names resolved to different relations (or to none), phrased for `sample.from`. */
export function sampleRelationProblem(names: { sampled: TableRef; read: TableRef }, row: { sampled: string | null; read: string | null } | undefined): string | undefined {
  if (row !== undefined && row.sampled !== null && row.sampled === row.read) return undefined;
  return `sample.from ${formatTableRef(names.sampled)} is not the relation the old query's rows come from (${formatTableRef(names.read)}) on the search path this check runs with: a sample of another relation can miss every key the new side lost; name the old query's table in sample.from as the query does (with its schema), or say side: old if this table holds every key the old path serves`;
}

/**
 * A relation `sample.from.where` reads that the new query reads and the old query never names
 * ("rows that exist in the new table"), or undefined. Named in the old query too, it is a lookup
 * both sides share (a region table), which says nothing about which keys the new side kept.
 */
function whereReadsNewSide(spec: SampleScopeSides): TableRef | undefined {
  if (spec.from.where === undefined || !('query' in spec.new)) return undefined;
  const newReads = relationsRead(spec.new.query);
  const oldReads = 'query' in spec.old ? relationsRead(spec.old.query) : [];
  // Parsed only, never run: the expression is judged where it is used (predicateSql).
  return relationsRead(`select 1 where (${spec.from.where})`).find((r) => newReads.some((n) => mayBeSame(r, n)) && !oldReads.some((o) => mayBeSame(r, o)));
}

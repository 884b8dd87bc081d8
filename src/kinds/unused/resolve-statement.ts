/**
 * Does a statement read or write the old shape? Decided on the real PostgreSQL parser's tree, and
 * deliberately over-approximate: a statement that names a target relation (by schema, unqualified,
 * through a partition or child) and could reach the column — by name anywhere, `*`, a whole-row
 * reference, a NATURAL join, a column alias list on the relation (`users u(a, b)`), an INSERT/COPY
 * without a column list, or SQL text embedded in a string —
 * counts as a use. A false "used" costs a look; a false "unused" drops a column someone reads.
 */
import { parseSql } from '../../sql/parser.js';
import { walkSqlTree } from '../../sql/tree-walk.js';
import { mayMention, mentionsWord, type ShapeTarget } from './targets.js';

export type UseMode = 'read' | 'write';

/** A statement's verdict: the targets it uses (possibly none), or text the parser could not read. */
export type StatementUse =
  | { readonly kind: 'resolved'; readonly uses: readonly { target: string; mode: UseMode }[] }
  | { readonly kind: 'unresolvable'; readonly reason: string; readonly mightTouch: boolean };

interface RelationSeen {
  schema: string | undefined;
  name: string;
  alias: string | undefined;
  /** `users as u(a, b)`: the alias renames the first columns by position, so `b` may be `full_name`. */
  renamesColumns?: boolean;
}

/** What one parsed statement mentions, gathered in one walk. */
interface StatementFacts {
  relations: RelationSeen[];
  /** Every identifier-like string in the tree (column names, target columns, function names, …). */
  names: Set<string>;
  /** Strings that look like code (contain spaces, parentheses, …): DO bodies, function bodies, literals. */
  embedded: string[];
  star: boolean;
  natural: boolean;
  /** Single-name column references: a whole-row reference when the name is a relation or alias. */
  singleRefs: Set<string>;
  /** Relations written by the statement, with the columns it names as written (undefined = every column). */
  written: { relation: RelationSeen; columns: string[] | undefined }[];
}

const IDENTIFIER_LIKE = /^[\p{L}\p{N}_$]*$/u;

function relationOf(fields: Readonly<Record<string, unknown>>): RelationSeen | undefined {
  if (typeof fields['relname'] !== 'string' || !('relpersistence' in fields || 'inh' in fields)) return undefined;
  const alias = fields['alias'] as { aliasname?: unknown; colnames?: unknown } | undefined;
  return {
    schema: typeof fields['schemaname'] === 'string' ? fields['schemaname'] : undefined,
    name: fields['relname'],
    alias: typeof alias?.aliasname === 'string' ? alias.aliasname : undefined,
    renamesColumns: Array.isArray(alias?.colnames) && alias.colnames.length > 0,
  };
}

function targetNames(list: unknown): string[] | undefined {
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.map((item) => {
    const inner = (item as { ResTarget?: { name?: unknown } }).ResTarget ?? (item as { name?: unknown });
    const name = (inner as { name?: unknown }).name ?? (item as { String?: { sval?: unknown } }).String?.sval;
    return typeof name === 'string' ? name : '';
  });
}

/** The relation a top-level statement writes, and which of its columns (undefined = all of them). */
function writtenBy(type: string, fields: Readonly<Record<string, unknown>>): StatementFacts['written'] {
  const relation = typeof fields['relation'] === 'object' && fields['relation'] !== null ? relationOf(fields['relation'] as Record<string, unknown>) : undefined;
  if (type === 'InsertStmt' && relation) return [{ relation, columns: targetNames(fields['cols']) }];
  if (type === 'UpdateStmt' && relation) return [{ relation, columns: targetNames(fields['targetList']) ?? [] }];
  if ((type === 'DeleteStmt' || type === 'MergeStmt') && relation) return [{ relation, columns: type === 'MergeStmt' ? undefined : [] }];
  if (type === 'CopyStmt' && relation && fields['is_from'] === true) return [{ relation, columns: targetNames(fields['attlist']) }];
  if (type === 'TruncateStmt' && Array.isArray(fields['relations'])) {
    return (fields['relations'] as Record<string, unknown>[]).flatMap((r) => {
      const seen = relationOf((r['RangeVar'] ?? r) as Record<string, unknown>);
      return seen ? [{ relation: seen, columns: undefined }] : [];
    });
  }
  return [];
}

function factsOf(tree: unknown): StatementFacts {
  const facts: StatementFacts = { relations: [], names: new Set(), embedded: [], star: false, natural: false, singleRefs: new Set(), written: [] };
  const stmts = (tree as { stmts?: { stmt?: Record<string, Record<string, unknown>> }[] }).stmts ?? [];
  for (const { stmt } of stmts) {
    const [type, fields] = Object.entries(stmt ?? {})[0] ?? [];
    if (type && fields) facts.written.push(...writtenBy(type, fields));
    // COPY table TO … without a column list reads every column.
    if (type === 'CopyStmt' && fields && fields['attlist'] === undefined && fields['relation'] !== undefined) facts.star = true;
  }
  walkSqlTree(tree, ({ type, fields }) => {
    const relation = relationOf(fields);
    if (relation) facts.relations.push(relation);
    if (type === 'A_Star') facts.star = true;
    if (type === 'JoinExpr' && fields['isNatural'] === true) facts.natural = true;
    if (type === 'ColumnRef' && Array.isArray(fields['fields']) && fields['fields'].length === 1) {
      const only = (fields['fields'][0] as { String?: { sval?: unknown } }).String?.sval;
      if (typeof only === 'string') facts.singleRefs.add(only);
    }
    for (const value of Object.values(fields)) {
      if (typeof value !== 'string') continue;
      if (IDENTIFIER_LIKE.test(value)) facts.names.add(value);
      else facts.embedded.push(value);
    }
  });
  return facts;
}

function isTargetRelation(seen: RelationSeen, target: ShapeTarget): boolean {
  // Unqualified names resolve through a search_path parity cannot see, so they match any schema.
  return target.relations.some((r) => r.name === seen.name && (seen.schema === undefined || seen.schema === r.schema));
}

/** How a parsed statement uses one target, or undefined when it does not. */
function useOf(facts: StatementFacts, target: ShapeTarget): UseMode | undefined {
  const named = facts.relations.filter((r) => isTargetRelation(r, target));
  const embeddedMention = facts.embedded.some((text) => mayMention(text, target));
  if (named.length === 0 && !embeddedMention) return undefined;
  const writes = facts.written.filter((w) => isTargetRelation(w.relation, target));
  const column = target.column;
  if (column === undefined) return writes.length > 0 ? 'write' : 'read';
  if (writes.some((w) => w.columns === undefined || w.columns.includes(column))) return 'write';
  const wholeRow = named.some((r) => facts.singleRefs.has(r.alias ?? r.name) || facts.singleRefs.has(r.name));
  // A column alias list on the relation renames columns by position: the column's own name need not appear.
  const renamed = named.some((r) => r.renamesColumns);
  const reaches = embeddedMention || facts.names.has(column) || facts.star || facts.natural || wholeRow || renamed
    || facts.embedded.some((text) => mentionsWord(text, column));
  return reaches ? 'read' : undefined;
}

/** Resolves one statement text (pg_stat_statements, pg_stat_activity or a function body) against the targets. */
export function resolveStatement(text: string, targets: readonly ShapeTarget[]): StatementUse {
  const parsed = parseSql(text);
  if (parsed.kind === 'syntax_error') {
    return { kind: 'unresolvable', reason: `the PostgreSQL parser rejected it: ${parsed.message}`, mightTouch: targets.some((t) => mayMention(text, t)) };
  }
  const facts = factsOf(parsed.tree);
  const uses = targets.flatMap((target) => {
    const mode = useOf(facts, target);
    return mode ? [{ target: target.label, mode }] : [];
  });
  return { kind: 'resolved', uses };
}

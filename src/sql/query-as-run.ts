/**
 * The parts of a query whose meaning the load-time judgement cannot read from the text alone, and
 * the text rewritten once the server has told them: a LIMIT or OFFSET computed from constants
 * (`limit 1 - 1`, `limit length('')`, `limit (select 0)`) replaced by the number it is, and a view
 * replaced by its definition as a sub-select (a view ending in `limit 0` is empty on any data).
 * The rewritten text is only judged (fixed-answers.ts), never run. Pure once the parser is loaded.
 */
import { parseSql, scanSql, indexOfByte } from './parser.js';
import { nodeOf, numberOf } from './normal-form.js';
import { spanOf } from './plan-text.js';
import { walkSqlTree } from './tree-walk.js';
import { tableReferencesOf } from './with-scope.js';

/** A run of the query's text and what replaces it. */
export interface Span { start: number; end: number; text: string }

/** Nodes that make a LIMIT read a row (a table, a column of an outer query, a parameter): its count is then the data's, not the text's. */
const READS_ROWS = new Set(['RangeVar', 'RangeFunction', 'RangeSubselect', 'RangeTableFunc', 'ColumnRef', 'ParamRef', 'CommonTableExpr']);

function statementOf(query: string): unknown {
  const parsed = parseSql(query);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  return statements.length === 1 ? statements[0]?.stmt : undefined;
}

/**
 * Every LIMIT and OFFSET in the query (its sub-selects and WITH queries included) that is neither a
 * number nor NULL and reads no row: an expression of constants whose value the server computes.
 */
export function limitExpressionsOf(query: string): Span[] {
  const spans: Span[] = [];
  walkSqlTree(statementOf(query), ({ type, fields }) => {
    if (type !== 'SelectStmt') return undefined;
    for (const node of [fields['limitCount'], fields['limitOffset']]) {
      if (node === undefined || numberOf(node) !== undefined) continue;
      const { type: kind, fields: inner } = nodeOf(node);
      if (kind === 'A_Const' && inner['isnull'] === true) continue;
      let readsRows = false;
      walkSqlTree(node, (at) => { if (at.type !== undefined && READS_ROWS.has(at.type)) readsRows = true; });
      const span = readsRows ? undefined : spanOf(query, node);
      if (span) spans.push(span);
    }
    return undefined;
  });
  return spans;
}

/**
 * A relation the query names in a FROM (not a WITH query's name): its name as written, where it is,
 * the name its columns are read by, and the WITH query names visible where it is named (a view's
 * definition put there would read them instead of its own tables).
 */
export interface NamedRelation { name: string; span: Span; alias: string | undefined; withNames: ReadonlySet<string> }

/** The relations the query's FROM clauses name, sub-selects included (a name a WITH query visible there defines is left out: sql/with-scope.ts). */
export function relationsOf(query: string): NamedRelation[] {
  const tokens = scanSql(query);
  const out: NamedRelation[] = [];
  for (const { fields, target, withNames } of tableReferencesOf(statementOf(query))) {
    if (target || typeof fields['location'] !== 'number') continue;
    // The name runs from its location over `name`, `.`, `name` … tokens.
    let i = tokens.findIndex((token) => token.start === fields['location']);
    if (i < 0) continue;
    const first = i;
    while (tokens[i + 1]?.text === '.' && tokens[i + 2] !== undefined) i += 2;
    const [start, end] = [indexOfByte(query, tokens[first]!.start), indexOfByte(query, tokens[i]!.end)];
    const alias = (fields['alias'] as Record<string, unknown> | undefined)?.['aliasname'];
    out.push({ name: query.slice(start, end), span: { start, end, text: query.slice(start, end) }, alias: typeof alias === 'string' ? alias : undefined, withNames });
  }
  return out;
}

/**
 * Whether a view's definition, put where `relation` names it, would read a WITH query of the outer
 * statement instead of a table it names (`with t as (…) select … from v`, v reading table t): the
 * definition as text cannot be opened there.
 */
export function capturedByWith(relation: NamedRelation, definition: string): boolean {
  if (relation.withNames.size === 0) return false;
  const statement = statementOf(definition.trim().replace(/;$/, ''));
  if (statement === undefined) return true;
  return tableReferencesOf(statement).some(({ fields, target }) => !target && fields['schemaname'] === undefined && relation.withNames.has(String(fields['relname'])));
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The sub-select that stands for a view read as `relation`: its definition, named as the view was (by its alias, or else its own name). */
export function viewAsSubselect(relation: NamedRelation, definition: string, relname: string): Span {
  const body = definition.trim().replace(/;$/, '');
  return { ...relation.span, text: `(${body}) ${relation.alias === undefined ? `as ${quoted(relname)}` : ''}` };
}

/** `query` with each span replaced (spans that overlap an earlier one are left out). */
export function replaceSpans(query: string, spans: readonly Span[]): string {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const span of sorted) {
    if (span.start < at) continue;
    out += query.slice(at, span.start) + span.text;
    at = span.end;
  }
  return out + query.slice(at);
}

/**
 * Judges operator-written SQL from check files with the real PostgreSQL parser: whole queries
 * (`sql_assert`, `shadow_read`) must be one read-only SELECT, and expressions (`where:`, `new:`)
 * must be one scalar expression that stays inside the parentheses it is embedded in. Pure once
 * `loadSqlParser()` has resolved.
 */
import { findKeyPlaceholders, withPositionalParameters } from './key-placeholders.js';
import { indexOfByte, parseSql, scanSql, type ScanToken } from './parser.js';
import { readOnlyViolations, statementName, type TreeProblem } from './read-only-rules.js';
import { firstLocation } from './tree-walk.js';

/** One reason operator SQL is refused; `offset` is a 0-based UTF-16 index into the text as written. */
export interface SqlProblem {
  readonly message: string;
  readonly offset?: number;
}

const SEMICOLON = 59;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;

function isComment(token: ScanToken): boolean {
  return token.tokenName === 'SQL_COMMENT' || token.tokenName === 'C_COMMENT';
}

/** The real lexer's tokens without comments; undefined if libpg-query's scanner fails, which the callers treat as a refusal. */
function codeTokens(text: string): ScanToken[] | undefined {
  try {
    return scanSql(text).filter((token) => !isComment(token));
  } catch {
    return undefined;
  }
}

const UNSCANNABLE = 'could not be split into tokens by the PostgreSQL lexer, so it cannot be judged';

function located(message: string, offset: number | undefined): SqlProblem {
  return offset === undefined ? { message } : { message, offset };
}

function inOrder(problems: SqlProblem[]): SqlProblem[] {
  return [...problems].sort((a, b) => (a.offset ?? -1) - (b.offset ?? -1));
}

/**
 * Postgres drops empty statements silently (`select 1;;` is one statement), so stray semicolons
 * are found with the real lexer. One trailing `;` (then only comments) is tolerated, because
 * operators copy queries out of psql; the caller must strip it before embedding the query.
 */
function straySemicolon(text: string): SqlProblem | undefined {
  const tokens = codeTokens(text);
  if (tokens === undefined) return { message: UNSCANNABLE };
  const stray = tokens.find((token, i) => token.tokenType === SEMICOLON && i !== tokens.length - 1);
  if (stray === undefined) return undefined;
  return { message: "contains an empty statement: only one statement and one trailing ';' are allowed", offset: indexOfByte(text, stray.start) };
}

/** How a whole query is read. */
export interface QueryCheckOptions {
  /** shadow_read: `$keys` and `$keys.<column>` stand for key parameters parity binds. */
  readonly keyPlaceholders?: boolean;
}

/** Problems that make `text` other than exactly one read-only SELECT; empty when it may run. */
export function checkReadOnlyQuery(text: string, options: QueryCheckOptions = {}): SqlProblem[] {
  const placeholders = options.keyPlaceholders === true ? findKeyPlaceholders(text) : [];
  // Same byte length as `text`, so every parser location below is also a byte offset into `text`.
  const substituted = withPositionalParameters(text, placeholders);
  const parsed = parseSql(substituted);
  if (parsed.kind === 'syntax_error') {
    // The error offset indexes the substituted text; its byte offset is the same in both.
    const offset = substituted === text ? parsed.offset : indexOfByte(text, Buffer.byteLength(substituted.slice(0, parsed.offset)));
    return [{ message: `is not valid SQL: ${parsed.message}`, offset }];
  }
  const statements = parsed.tree.stmts ?? [];
  const first = statements[0];
  if (first === undefined) return [{ message: 'contains no statement' }];
  const second = statements[1];
  if (second !== undefined) {
    return [{ message: `contains ${statements.length} statements; only one read-only SELECT is allowed`, offset: indexOfByte(text, second.stmt_location ?? 0) }];
  }
  const top = first.stmt as Record<string, unknown> | undefined;
  const type = top === undefined ? undefined : Object.keys(top)[0];
  if (type !== 'SelectStmt') {
    return [{ message: `is a ${statementName(type)} statement; only a read-only SELECT is allowed`, offset: indexOfByte(text, first.stmt_location ?? 0) }];
  }
  const parameters = new Set(placeholders.map((placeholder) => placeholder.start));
  const problems = readOnlyViolations(top, parameters).map((p) => located(p.message, p.location === undefined ? undefined : indexOfByte(text, p.location)));
  const stray = straySemicolon(text);
  return inOrder(stray === undefined ? problems : [stray, ...problems]);
}

/** `build.ts` embeds an expression as `(<text>)`; the check parses it in the same parentheses. */
const PREFIX = 'SELECT (';
const SUFFIX = ')';

/** Select-statement fields an embedded expression has no business producing, named as SQL. */
const CLAUSES: Readonly<Record<string, string>> = {
  fromClause: 'FROM',
  whereClause: 'WHERE',
  groupClause: 'GROUP BY',
  groupDistinct: 'GROUP BY DISTINCT',
  havingClause: 'HAVING',
  windowClause: 'WINDOW',
  sortClause: 'ORDER BY',
  limitCount: 'LIMIT',
  limitOffset: 'OFFSET',
  withClause: 'WITH',
  distinctClause: 'DISTINCT',
  valuesLists: 'VALUES',
  larg: 'a set operation (UNION/INTERSECT/EXCEPT)',
};
/** Fields reported elsewhere or implied by a reported one (`op` by `larg`, `limitOption` by LIMIT), and what read-only-rules.ts names. */
const REPORTED_ELSEWHERE = new Set(['targetList', 'op', 'rarg', 'all', 'limitOption', 'intoClause', 'lockingClause']);

/**
 * The real lexer's parentheses: the wrapper's `(` must close only at the wrapper's `)`. Otherwise
 * `a) OR (b` parses fine as `(a) OR (b)` but would bind to its neighbours once embedded.
 */
function escapedParenthesis(wrapped: string): number | 'unscannable' | undefined {
  let depth = 0;
  const tokens = codeTokens(wrapped);
  if (tokens === undefined) return 'unscannable';
  for (const [i, token] of tokens.entries()) {
    if (token.tokenType === OPEN_PAREN) depth += 1;
    if (token.tokenType === CLOSE_PAREN) depth -= 1;
    if (depth === 0 && i > 1 && i !== tokens.length - 1) return token.start;
  }
  return undefined;
}

function expressionShape(select: Record<string, unknown>): TreeProblem[] {
  const problems: TreeProblem[] = [];
  for (const [key, value] of Object.entries(select)) {
    if (REPORTED_ELSEWHERE.has(key)) continue;
    const clause = CLAUSES[key] ?? key;
    problems.push({ message: `adds ${clause} around the expression`, location: firstLocation(value) });
  }
  const targets = Array.isArray(select['targetList']) ? select['targetList'] : [];
  if (targets.length > 1) {
    problems.push({ message: `becomes ${targets.length} select-list items instead of one expression`, location: firstLocation(targets[1]) });
  }
  for (const target of targets) {
    const fields = (target as { ResTarget?: Record<string, unknown> }).ResTarget ?? {};
    if (typeof fields['name'] === 'string') problems.push({ message: 'adds a column alias (AS …) around the expression', location: firstLocation(fields) });
  }
  return problems;
}

/** Problems that make `text` other than one read-only scalar expression safe to embed as `(<text>)`; empty when it may run. */
export function checkReadOnlyExpression(text: string): SqlProblem[] {
  if (text.trim() === '') return [{ message: 'is empty; a SQL expression is required', offset: 0 }];
  const wrapped = `${PREFIX}${text}${SUFFIX}`;
  const toOffset = (index: number): number => Math.min(Math.max(index - PREFIX.length, 0), text.length);
  const fromByte = (location: number | undefined): number | undefined => (location === undefined ? undefined : toOffset(indexOfByte(wrapped, location)));
  const parsed = parseSql(wrapped);
  if (parsed.kind === 'syntax_error') {
    const runsOn = parsed.offset - PREFIX.length >= text.length
      ? ' (it does not end where it should: an open comment, quote or parenthesis would swallow the SQL parity writes after it)'
      : '';
    return [{ message: `is not a valid SQL expression: ${parsed.message}${runsOn}`, offset: toOffset(parsed.offset) }];
  }
  const statements = parsed.tree.stmts ?? [];
  const problems: SqlProblem[] = [];
  if (statements.length !== 1) {
    const second = statements[1];
    const at = second === undefined ? undefined : fromByte(second.stmt_location);
    problems.push(located(`breaks out of the parentheses parity wraps it in and adds ${statements.length - 1} more statement(s)`, at));
  }
  const escape = escapedParenthesis(wrapped);
  if (escape === 'unscannable') problems.push({ message: UNSCANNABLE });
  else if (escape !== undefined) {
    problems.push(located('closes the parentheses parity wraps it in, so the rest would bind to the surrounding statement', fromByte(escape)));
  }
  const top = statements[0]?.stmt as { SelectStmt?: Record<string, unknown> } | undefined;
  const select = top?.SelectStmt;
  if (select === undefined) return inOrder([...problems, { message: 'is not a SQL expression' }]);
  const treeProblems = [...expressionShape(select), ...readOnlyViolations(select)];
  return inOrder([...problems, ...treeProblems.map((p) => located(p.message, fromByte(p.location)))]);
}

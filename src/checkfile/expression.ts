/**
 * Operator SQL in check files, judged by the real PostgreSQL parser (src/sql/read-only-guard.ts):
 * an expression (`where:`, `new:`) must be one scalar expression that stays inside the parentheses
 * parity embeds it in; a query (`sql_assert`, `shadow_read`) exactly one read-only SELECT. Both must
 * call nothing that acts outside the snapshot or the database (the deny list). A refusal is a
 * load-time problem pinned to the offending character, never a statement that runs.
 */
import { isSqlParserLoaded, scanSql, SqlParserNotLoadedError } from '../sql/parser.js';
import { checkReadOnlyExpression, checkReadOnlyQuery, type SqlProblem } from '../sql/read-only-guard.js';
import { rowLocalProblems } from '../sql/row-local.js';

export type { SqlProblem };

function requireParser(): void {
  // A check file judged without the parser would be a check file not judged: refuse loudly.
  if (!isSqlParserLoaded()) throw new SqlParserNotLoadedError('check files are validated with the PostgreSQL parser: await loadSqlParser() before parsing them');
}

/** Problems that keep `text` from being embedded as an expression; empty when it is safe. */
export function expressionProblems(text: string): SqlProblem[] {
  requireParser();
  if (text.trim().length === 0) return [{ message: 'is empty' }];
  return checkReadOnlyExpression(text);
}

/**
 * Why the expression reads more than its row (the clock, other rows, the catalog, the session),
 * which an incremental check cannot have: its passes re-read only rows whose column moved.
 */
export function incrementalExpressionProblems(text: string): SqlProblem[] {
  requireParser();
  return rowLocalProblems(text);
}

/** Problems that keep `text` from running as a whole read-only query; `$keys` allowed when `keyed`. */
export function queryProblems(text: string, keyed = false): SqlProblem[] {
  requireParser();
  if (text.trim().length === 0) return [{ message: 'is empty' }];
  return checkReadOnlyQuery(text, { keyPlaceholders: keyed });
}

/**
 * The query without its one optional trailing `;` (found by the real lexer, so a `;` inside a
 * literal or after a comment is never mistaken for it). Embedding sites put the query on its own
 * lines (`(\n<query>\n)`), so a trailing `--` comment cannot swallow the SQL written after it.
 */
export function withoutTrailingSemicolon(text: string): string {
  const code = scanSql(text).filter((token) => token.tokenName !== 'SQL_COMMENT' && token.tokenName !== 'C_COMMENT');
  const last = code.at(-1);
  if (last?.text !== ';') return text.trim();
  // Token offsets are UTF-8 byte offsets.
  return Buffer.from(text).subarray(0, last.start).toString().trim();
}

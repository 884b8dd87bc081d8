/**
 * shadow_read queries name the sampled keys as `$keys` or `$keys.<column>`, which the runner binds
 * as parameters. That is not SQL, so before parsing, the real lexer finds each placeholder (a `$`
 * token directly followed by `keys`, so one inside a literal or comment is left alone) and it is
 * replaced by a positional parameter padded to the same UTF-8 length, keeping every offset valid.
 */
import { scanSql, type ScanToken } from './parser.js';

/** One placeholder: UTF-8 byte span in the query, and the key column it names (undefined for bare `$keys`). */
export interface KeyPlaceholder {
  readonly start: number;
  readonly end: number;
  readonly column: string | undefined;
}

function adjacent(left: ScanToken | undefined, right: ScanToken | undefined): right is ScanToken {
  return left !== undefined && right !== undefined && left.end === right.start;
}

function columnName(token: ScanToken): string | undefined {
  if (/^"(?:[^"]|"")+"$/.test(token.text)) return token.text.slice(1, -1).replaceAll('""', '"');
  // Unquoted names fold to lower case, as Postgres folds them.
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(token.text) ? token.text.toLowerCase() : undefined;
}

/** The `$keys` / `$keys.<column>` placeholders the real lexer sees in `text`, in order; none when it cannot lex the text. */
export function findKeyPlaceholders(text: string): KeyPlaceholder[] {
  let tokens: ScanToken[];
  try {
    tokens = scanSql(text);
  } catch {
    return []; // Unlexable text: the parse that follows reports the syntax error with its position.
  }
  const found: KeyPlaceholder[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const dollar = tokens[i];
    const keys = tokens[i + 1];
    if (dollar?.text !== '$' || !adjacent(dollar, keys) || keys.text !== 'keys') continue;
    const dot = tokens[i + 2];
    const column = tokens[i + 3];
    if (adjacent(keys, dot) && dot.text === '.' && adjacent(dot, column) && columnName(column) !== undefined) {
      found.push({ start: dollar.start, end: column.end, column: columnName(column) });
      i += 3;
    } else {
      found.push({ start: dollar.start, end: keys.end, column: undefined });
      i += 1;
    }
  }
  return found;
}

/** `text` with each placeholder replaced by `$1` and spaces of the same byte length, so parser locations still index the original. */
export function withPositionalParameters(text: string, placeholders: readonly KeyPlaceholder[]): string {
  if (placeholders.length === 0) return text;
  const bytes = Buffer.from(text, 'utf8');
  for (const { start, end } of placeholders) bytes.write('$1'.padEnd(end - start, ' '), start, 'utf8');
  return bytes.toString('utf8');
}

/**
 * What a piece of operator SQL says, as the parser reads it: the parse tree without the places
 * things were written. Case of keywords and unquoted names, spacing, comments and redundant
 * parentheses drop out; every literal, quoted name, operator and call stays. Two texts with one
 * shape run as the same SQL, so a comparison of one with the other compares something with itself.
 */
import { findKeyPlaceholders, withPositionalParameters } from './key-placeholders.js';
import { parseSql } from './parser.js';

const POSITIONS = new Set(['location', 'stmt_location', 'stmt_len']);

/**
 * The shape of an expression (`where:`, `new:`), a query, or a shadow_read query whose `$keys`
 * placeholders are kept apart by the key column each names. Text that does not parse (the loader
 * has refused it already) is its own shape, so only the same text matches it. Needs the parser.
 */
export function sqlShape(text: string, as: 'expression' | 'query' | 'keyed_query'): string {
  const placeholders = as === 'keyed_query' ? findKeyPlaceholders(text) : [];
  const parsed = parseSql(as === 'expression' ? `select (${text})` : withPositionalParameters(text, placeholders));
  if (parsed.kind !== 'parsed') return JSON.stringify({ text });
  const tree = JSON.stringify(parsed.tree, (key, value: unknown) => (POSITIONS.has(key) ? undefined : value));
  return placeholders.length === 0 ? tree : JSON.stringify({ tree, keys: placeholders.map((p) => p.column ?? null) });
}

/** A column name as an expression that names it (quoted, so any name reads back as itself). */
export function columnExpression(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The text that spells one node of a parsed plan condition, so the server can be asked about that
 * expression alone. The parser gives where a node starts, not where it ends: the text is the
 * shortest run of whole tokens from there (or from an opening parenthesis before it) that the
 * parser reads back as exactly that node. Parse, don't tokenise: the tokens only propose cuts.
 * Pure once the parser is loaded.
 */
import { firstLocation } from './tree-walk.js';
import { indexOfByte, parseExpression, scanSql } from './parser.js';

/** The most cuts tried for one node (a plan's condition is short; past it the node is not spelt). */
const MAX_TRIES = 400;

/** Without locations, two spellings of one expression have one text. */
export const shapeKey = (node: unknown): string => JSON.stringify(node, (key, value: unknown) => (key === 'location' ? undefined : value));

/**
 * The text in `wrapped` (the text the node was parsed from: `select (…)`, as parseExpression
 * builds it) that parses as exactly `node`, or undefined.
 */
export function spellingOf(wrapped: string, node: unknown): string | undefined {
  return spanOf(wrapped, node)?.text;
}

/** Where in `text` (UTF-16 indices) the shortest run of whole tokens that parses as exactly `node` starts and ends, and that run. */
export function spanOf(wrapped: string, node: unknown): { start: number; end: number; text: string } | undefined {
  const start = firstLocation(node);
  if (start === undefined) return undefined;
  const tokens = scanSql(wrapped);
  const first = tokens.findIndex((token) => token.end > start);
  if (first < 0) return undefined;
  const want = shapeKey(node);
  // A cast or an operator may start before its first located part: `(t.v)::text` starts at its parenthesis.
  const starts = [first];
  for (let i = first - 1; i >= 0 && tokens[i]!.text === '('; i--) starts.push(i);
  let tries = 0;
  for (const from of starts) {
    for (let to = first; to < tokens.length && tries < MAX_TRIES; to++, tries++) {
      const [at, end] = [indexOfByte(wrapped, tokens[from]!.start), indexOfByte(wrapped, tokens[to]!.end)];
      const text = wrapped.slice(at, end);
      const parsed = parseExpression(text);
      if (parsed !== undefined && shapeKey(parsed) === want) return { start: at, end, text };
    }
  }
  return undefined;
}

/**
 * What a parsing normaliser (numeric_scale, timestamp_precision, time_zone) makes of text it cannot
 * read: the text itself behind a tag, never NULL. A tagged value equals only the same original
 * text, so "12,50" still differs from NULL, from "12.5" and from "12,5" — a value a normaliser
 * cannot read can make a comparison fail, never pass.
 */
import { sql, type SQL } from '../sql/build.js';

/** The prefix of an unreadable value; no parsed value starts with it (they start with a digit or "-"). */
export const UNPARSEABLE_PREFIX = 'unparseable:';

/** The tagged form of text a normaliser cannot read. */
export function unparseable(text: string): string {
  return UNPARSEABLE_PREFIX + text;
}

/** The SQL twin of `unparseable` (NULL stays NULL). */
export function unparseableSql(text: SQL): SQL {
  return sql`(${UNPARSEABLE_PREFIX} || ${text})`;
}

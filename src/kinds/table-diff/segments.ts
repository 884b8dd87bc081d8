/**
 * Key-range segments of a big table_diff, and what a segmented diff records so that an interrupted
 * run resumes (pure; the loop is in table-diff.ts). Boundaries are keys of the OLD side in its own
 * key order: each segment is the range (previous boundary, boundary], the first open below, the
 * last open above, and both sides read the same ranges. Whatever each side's key order, every row
 * with a non-NULL key lies in at least one segment of its side (it is either ≤ the first boundary,
 * or > it and ≤ the next, …, or > the last): no row is ever skipped, so a difference is always
 * seen. A row lies in MORE than one segment only where a side orders two boundaries the other way
 * (another collation, a lossy text round trip); the diff checks each pair of consecutive
 * boundaries on both sides and refuses the run ("could not verify") rather than count a row twice.
 * Rows with a NULL key column belong to no range: they are counted apart, before any segment.
 */
import { z } from 'zod';
import { castType, collatedBound, keyRangeBounds, keyTuple, checkKeyTypes, nthKeySql, readNthKey } from '../../compare/key-range.js';
import { arrayLiteralText } from '../../sql/array-literal.js';
import type { KeyColumn } from '../../introspect/primary-key.js';
import { joinSql, predicateSql, regclassText, sql, tableSql, type SQL } from '../../sql/build.js';
import type { ResumableProgress, ScanProgress } from '../types.js';
import type { DiffSide } from './plan.js';
import type { RowHashMode } from './row-hash.js';
import type { DiffTally } from './verdict.js';

/**
 * Without `segment_rows`, a table is diffed in segments of this many old-side rows once either
 * side's estimate reaches AUTO_SEGMENT_FROM_ROWS and both sides store rows in about key order
 * (the planner's |correlation| of the first key column at least AUTO_SEGMENT_MIN_CORRELATION).
 * Below that size one pass is cheap to redo; on a heap in random key order every segment's range
 * scan touches pages all over the table, so segments could cost many passes (docs/decisions.md).
 */
export const AUTO_SEGMENT_ROWS = 1_000_000;
export const AUTO_SEGMENT_FROM_ROWS = 4_000_000;
export const AUTO_SEGMENT_MIN_CORRELATION = 0.9;

/**
 * Old-side rows per segment, or undefined for one unsegmented diff: `segment_rows` when given (0:
 * never), else automatic for big tables stored in key order (`correlation` of each side, when known).
 */
export function segmentRowsFor(segmentRows: number | undefined, estimatedRows: number | undefined, correlation?: readonly (number | undefined)[]): number | undefined {
  if (segmentRows !== undefined) return segmentRows === 0 ? undefined : segmentRows;
  if (estimatedRows === undefined || estimatedRows < AUTO_SEGMENT_FROM_ROWS) return undefined;
  const ordered = correlation !== undefined && correlation.length > 0 && correlation.every((c) => c !== undefined && Math.abs(c) >= AUTO_SEGMENT_MIN_CORRELATION);
  return ordered ? AUTO_SEGMENT_ROWS : undefined;
}

/** The planner's correlation between the first key column's order and the heap order (NULL row: never analyzed). */
export function planKeyCorrelation(side: DiffSide, keyColumn: string): SQL {
  return sql`select s.correlation::float8 as correlation from pg_stats s
    join pg_class c on c.relname = s.tablename join pg_namespace n on n.oid = c.relnamespace and n.nspname = s.schemaname
    where c.oid = to_regclass(${regclassText(side.table)}) and s.attname = ${keyColumn}`;
}

/** The side's key columns with their types (as pg_typeof names them). */
export function keyColumnsOf(names: readonly string[], types: readonly string[]): KeyColumn[] {
  const key = names.map((name, i) => ({ name, type: types[i]! }));
  checkKeyTypes(key);
  return key;
}

/** The side restricted to the segment (after, upTo]; both ends open: the whole side. */
export function segmentSide(side: DiffSide, key: KeyColumn[], after: string[] | undefined, upTo: string[] | undefined): DiffSide {
  const bounds = keyRangeBounds(key, after, upTo);
  return bounds.length === 0 ? side : { ...side, range: joinSql(bounds, sql` and `) };
}

/**
 * Where the next segment ends: the `rows`-th key of the side after `after`, in key order (the
 * key's index serves it). No row back: the next segment is the last, open above.
 */
export function planSegmentEnd(side: DiffSide, key: KeyColumn[], after: string[] | undefined, rows: number): SQL {
  const notNull = key.map((k) => sql`${keyTuple([k])} is not null`);
  return nthKeySql(side.table, key, after, rows, [predicateSql(side.where), ...notNull]);
}

/** Reads the boundary key texts of a planSegmentEnd row (undefined: no row, the last segment). */
export const readSegmentEnd = readNthKey;

/**
 * Does the side order `lower` strictly before `upper`, as its key columns sort (their collations)?
 * Consecutive boundaries must, on both sides.
 */
export function planKeysOrdered(side: DiffSide, key: KeyColumn[], lower: string[], upper: string[]): SQL {
  checkKeyTypes(key);
  return sql`select ${collatedBound(side.table, key, lower)} < ${collatedBound(side.table, key, upper)} as ordered`;
}

/** Key types whose order depends on a collation (a domain over text is left to the boundary check). */
const COLLATED_TYPES = new Set(['text', 'character varying', 'character', 'name', 'citext']);
/** Texts whose order differs between common collations (case, accents, punctuation, digits, spaces). */
export const KEY_ORDER_PROBE = ['a', 'B', 'b', 'A', 'é', 'e', 'f', 'Z', 'z', '_x', '-x', 'x y', 'xy', '1', '10', '9', 'ä', 'aa', '', ' ', 'Ω'];
/** The highest code point each server encoding known here holds all of below it (SQL_ASCII stores UTF-8 bytes as they come). */
const ENCODING_REACH: Readonly<Record<string, number>> = { UTF8: 0x10ffff, SQL_ASCII: 0x10ffff, LATIN1: 0xff };

/** The server's encoding (for keyOrderProbeFor). */
export function planServerEncoding(): SQL {
  return sql`select pg_catalog.current_setting('server_encoding') as encoding`;
}

/**
 * The probe texts every one of the servers' encodings can hold (pure): a text a server cannot
 * convert its characters to is an error there (Ω in LATIN1), and both sides must sort the same
 * texts. An encoding not known here keeps the ASCII texts. A smaller probe tells fewer collations
 * apart; two sides ordering keys differently then fail (rows in the wrong range), never pass.
 */
export function keyOrderProbeFor(encodings: readonly string[]): string[] {
  const reach = Math.min(...encodings.map((e) => ENCODING_REACH[e] ?? 0x7f));
  return KEY_ORDER_PROBE.filter((text) => [...text].every((c) => c.codePointAt(0)! <= reach));
}
const COLLATION_NAME = /^(?:(?:"[^"]+"|[a-z_][a-z0-9_$]*)\.)?(?:"[^"]+"|[a-z_][a-z0-9_$]*)$/;

/** The collation of each collated key column (pg_collation_for), or undefined when no key column is collated. */
export function planKeyCollations(side: DiffSide, key: KeyColumn[]): SQL | undefined {
  const collated = key.flatMap((k, i) => (COLLATED_TYPES.has(k.type) ? [sql`pg_collation_for((select ${keyTuple([k])} from ${tableSql(side.table)} limit 0))::text as ${sql.identifier(`c_${i}`)}`] : []));
  return collated.length === 0 ? undefined : sql`select ${joinSql(collated)}`;
}

/**
 * The probe texts (keyOrderProbeFor) in the order each collated key column sorts them, as one text
 * per column. Two sides that answer differently order keys differently, so their key ranges would
 * not hold the same rows.
 */
export function planKeyOrderProbe(key: KeyColumn[], collations: Record<string, unknown>, probe: readonly string[] = KEY_ORDER_PROBE): SQL | undefined {
  const orders = key.flatMap((k, i) => {
    const name = collations[`c_${i}`];
    if (typeof name !== 'string' || !COLLATION_NAME.test(name)) return [];
    return [sql`string_agg(p, '|' order by p::${castType(k.type)} collate ${sql.raw(name)}) as ${sql.identifier(`o_${i}`)}`];
  });
  return orders.length === 0 ? undefined : sql`select ${joinSql(orders)} from unnest(${arrayLiteralText(probe)}::text[]) as p`;
}

/** Rows of the side whose key has a NULL column (they fall in no key range). */
export function planNullKeyRows(side: DiffSide, key: KeyColumn[]): SQL {
  const anyNull = joinSql(key.map((k) => sql`${keyTuple([k])} is null`), sql` or `);
  return sql`select count(*) as n from ${tableSql(side.table)} where ${predicateSql(side.where)} and (${anyNull})`;
}

/** What a segmented diff records beyond counts, validated on resume (the store is never trusted blindly). */
const segmentStateSchema = z.strictObject({
  columns: z.array(z.string()),
  rowHash: z.enum(['fast', 'sha256']),
  changedByColumn: z.array(z.number().int().min(0)),
  keys: z.strictObject({
    missingInNew: z.array(z.array(z.string())),
    missingInOld: z.array(z.array(z.string())),
    changed: z.array(z.strictObject({ parts: z.array(z.string()), columns: z.array(z.number().int().min(0)) })),
  }),
});

/** The additive counts of a tally, as the checkpoint's counts. */
const COUNTED = ['oldRows', 'newRows', 'missingInNew', 'missingInOld', 'changed', 'changedUnattributed', 'rowsTransferred', 'passes', 'bucketBits'] as const;

/** The diff's progress after `segments` segments, the last ending at `lastKey`. */
export function segmentProgress(key: KeyColumn[], lastKey: string[], tally: DiffTally, columns: readonly string[], segments: number, segmentRows: number): ScanProgress {
  return {
    keyColumns: key,
    lastKey,
    counts: Object.fromEntries(COUNTED.map((name) => [name, tally[name]])),
    chunks: segments,
    chunkRows: segmentRows,
    state: {
      columns: [...columns],
      rowHash: tally.rowHash ?? 'sha256',
      changedByColumn: [...tally.changedByColumn],
      keys: tally.keys,
    } satisfies z.output<typeof segmentStateSchema>,
  };
}

/** Counts and sampled keys a run may continue from. */
export type RestoredTally = Pick<DiffTally, (typeof COUNTED)[number] | 'changedByColumn' | 'keys'>;

/**
 * The tally an interrupted run recorded, when this run may continue it: same key (names and
 * types), same compared columns, same row-hash mode, and a well-formed record. Anything else:
 * undefined, and the run starts from the first key.
 */
export function restoreTally(progress: Pick<ResumableProgress, 'state' | 'keyColumns' | 'lastKey' | 'chunks' | 'counts'>, expected: { key: KeyColumn[]; columns: readonly string[]; rowHash: RowHashMode; sample: number }): RestoredTally | undefined {
  const state = segmentStateSchema.safeParse(progress.state);
  if (!state.success) return undefined;
  const sameKey = progress.keyColumns.length === expected.key.length && progress.keyColumns.every((k, i) => k.name === expected.key[i]!.name && k.type === expected.key[i]!.type);
  if (!sameKey || progress.lastKey.length !== expected.key.length || progress.chunks < 1) return undefined;
  if (state.data.rowHash !== expected.rowHash || JSON.stringify(state.data.columns) !== JSON.stringify(expected.columns)) return undefined;
  if (state.data.changedByColumn.length !== expected.columns.length) return undefined;
  const counts: Partial<Record<(typeof COUNTED)[number], number>> = {};
  for (const name of COUNTED) {
    const value = progress.counts[name];
    if (value === undefined || !Number.isInteger(value) || value < 0) return undefined;
    counts[name] = value;
  }
  const keys = state.data.keys;
  if ([keys.missingInNew, keys.missingInOld, keys.changed].some((list) => list.length > expected.sample)) return undefined;
  return { ...(counts as Record<(typeof COUNTED)[number], number>), changedByColumn: state.data.changedByColumn, keys };
}

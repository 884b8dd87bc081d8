/**
 * Chunk ends for a single integer primary key, by arithmetic instead of an index walk: a chunk is
 * the key range (after, after + width], with the width sized from the key density seen so far.
 * Reading the `n`-th next key from the index costs about a third of counting the chunk itself;
 * arithmetic costs nothing. Two guards keep a chunk short where density changes abruptly (a gap in
 * the ids, then a dense stretch): unique integer keys hold at most one row per key value, and the
 * planner's row estimate for the range (from the key's histogram) is checked before it runs.
 * Pure: the caller runs the statements.
 */

export interface KeyDensity {
  /** Rows per key value, in (0, 1]: unique integers can never be denser than 1. */
  rowsPerKey: number;
}

/** Initial density from the table's extent and the planner's row count (1 when unknown). */
export function initialDensity(min: bigint, max: bigint, estimatedRows: number): KeyDensity {
  const span = Number(max - min) + 1;
  if (!(estimatedRows > 0) || !(span > 0)) return { rowsPerKey: 1 };
  return { rowsPerKey: Math.min(1, Math.max(estimatedRows / span, 1 / 2 ** 62)) };
}

/** Density after a chunk of `width` key values held `rows` rows; an empty chunk quadruples the next width. */
export function observeDensity(previous: KeyDensity, width: bigint, rows: number): KeyDensity {
  if (rows <= 0) return { rowsPerKey: Math.max(previous.rowsPerKey / 4, 1 / 2 ** 62) };
  return { rowsPerKey: Math.min(1, rows / Number(width)) };
}

/** Key values to cover for about `rows` rows at this density (at least `rows`: density ≤ 1). */
export function widthFor(rows: number, density: KeyDensity): bigint {
  return BigInt(Math.max(1, Math.ceil(Math.min(rows / density.rowsPerKey, 2 ** 62))));
}

/**
 * Narrows a width whose range the planner expects to hold far more than `rows` rows (more than
 * twice): scaled down in proportion, never below `rows` key values.
 */
export function narrowedWidth(width: bigint, rows: number, estimatedRows: number): bigint | undefined {
  if (!(estimatedRows > 2 * rows)) return undefined;
  const scaled = BigInt(Math.max(rows, Math.floor((Number(width) * rows) / estimatedRows)));
  return scaled < width ? scaled : undefined;
}

/** The chunk's inclusive end, or undefined when it reaches the last key (the last chunk is open-ended). */
export function chunkEnd(start: bigint, width: bigint, max: bigint): bigint | undefined {
  const end = start + width;
  return end >= max ? undefined : end;
}

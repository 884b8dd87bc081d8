/**
 * A real and a double read alike as JSON: `to_json` prints a real's shortest text, so real 0.1
 * (0.100000001490116…) and double 0.1 are both `0.1`, and a new path narrowing a double to real
 * passed. SQL paths are compared by column_parity's rule (exact-compare.ts) instead: a real
 * against a double is the double the real widens to (cast in the batch statement, so `0.5` still
 * equals `0.5` and `0.1` no longer equals `0.1`); a real against numeric or an integer stays the
 * decimal its text names, as there. A container holding a real where the other side's holds a
 * double (a composite, a range, an anonymous record, an array of composites) has no cast to
 * widen through: "could not verify" (float_widths_differ), as in column_parity and table_diff.
 *
 * The types come from describing each path's query once, before the first batch, and from each
 * path's own server catalog (through domains, arrays, composites and ranges: float-leaves.ts).
 * HTTP paths have no types: a service that prints a narrowed float cannot be told from one that
 * does not, so nothing is widened where either path is HTTP.
 */
import { Fault } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';
import { floatLeavesFrom, floatWidthsDiffer, readTypeTrees } from '../float-leaves.js';
import { opaqueTextFault, opaqueTextLeavesFrom } from '../opaque-texts.js';
import { planShadowDescribe, planShadowTypes, type ReadPath, type SqlPath, type Widening } from './read-path.js';

/**
 * One path's columns in order: each one's name, its pg_typeof oid, where its type holds floats
 * (floatLeavesFrom) and its opaque leaves (opaque-texts.ts; absent: none).
 */
export interface PathColumns { name: string; type?: string | undefined; floats: string | null; opaque?: string | null }

/** The cast that widens `own` to what `other` holds, when one is a real (array) and the other a double (array). */
function widenedCast(own: string | null, other: string | null): 'float8' | 'float8[]' | undefined {
  if (own === '=real' && other === '=double precision') return 'float8';
  if (own === '[]=real' && other === '[]=double precision') return 'float8[]';
  return undefined;
}

/**
 * What each path's columns need (pure): a widening for a path where a column of a name the other
 * path also returns holds a real (or real array) where the other's holds a double (or double
 * array); the problem, phrased for the operator, where no cast makes them comparable. Columns in
 * `ignore` are not compared, so never judged; a key column is matched by its text, which a cast
 * would change, so a key column needing one is a problem too.
 */
export function floatWidenings(old: readonly PathColumns[], fresh: readonly PathColumns[], options: { keyColumns: readonly string[]; ignore: readonly string[] }): { old: Widening; new: Widening } | { problem: string } {
  const casts = { old: old.map(() => undefined as 'float8' | 'float8[]' | undefined), new: fresh.map(() => undefined as 'float8' | 'float8[]' | undefined) };
  for (const [i, a] of old.entries()) {
    if (options.ignore.includes(a.name)) continue;
    for (const [j, b] of fresh.entries()) {
      if (b.name !== a.name) continue;
      const oldCast = widenedCast(a.floats, b.floats);
      const newCast = widenedCast(b.floats, a.floats);
      const shown = `column ${a.name} holds ${a.floats ?? 'no float'} on the old path and ${b.floats ?? 'no float'} on the new one`;
      if ((oldCast ?? newCast) !== undefined && options.keyColumns.includes(a.name)) {
        return { problem: `key ${shown}: a real prints its shortest text (0.1) as the double it is not (0.100000001490116…), and keys are matched by that text — cast the key column to one type in both queries` };
      }
      if (oldCast === undefined && newCast === undefined && floatWidthsDiffer(a.floats, b.floats)) {
        return { problem: `${shown}: a real where the other holds a double (or an anonymous record, which may hold either) prints alike (0.1) though they are different numbers, and no cast widens that container — select its fields as columns, or cast them to double precision in the query` };
      }
      casts.old[i] ??= oldCast;
      casts.new[j] ??= newCast;
    }
  }
  // Every column keeps the type it was judged with (each batch proves it still has it); casts where one widens.
  const widening = (columns: readonly PathColumns[], cast: readonly ('float8' | 'float8[]' | undefined)[]): Widening => ({ columns: columns.map((column, i) => ({ name: column.name, type: column.type, cast: cast[i] })) });
  return { old: widening(old, casts.old), new: widening(fresh, casts.new) };
}

/**
 * A SQL path's columns: described once (no row read) for their names, their types read as
 * pg_typeof names them (domains kept, so each batch can prove the very same types) and looked up
 * in its source's catalog.
 */
async function pathColumns(ctx: ExecutionContext, path: SqlPath, keyColumns: readonly string[], keys: readonly string[][]): Promise<PathColumns[]> {
  const described = await ctx.describe(path.source, planShadowDescribe(path, keyColumns, keys));
  const [row] = await ctx.query(path.source, planShadowTypes(path, keyColumns, keys, described.length));
  const types = described.map((_, i) => String(row?.[`t${i}`]));
  const trees = await readTypeTrees((statement) => ctx.query(path.source, statement), types);
  // Rows are read as to_json(row): every xml is written by its output function, at the top too.
  return described.map((column, i) => ({
    name: column.name, type: types[i], floats: floatLeavesFrom(types[i]!, trees), opaque: opaqueTextLeavesFrom(types[i]!, trees, { xmlByOutput: true }),
  }));
}

/**
 * The widening each path's batches need, by path (absent: none), read before the first batch;
 * throws float_widths_differ where the two paths' floats cannot be compared exactly, and
 * object_identifier or xml_in_container where a compared column's text misprints its value. Nothing is
 * read when a path is HTTP or no key was sampled.
 */
export async function readFloatWidenings(ctx: ExecutionContext, spec: { key: readonly string[]; old: ReadPath; new: ReadPath; compare: { ignore: readonly string[] } }, keys: readonly string[][]): Promise<Map<ReadPath, Widening>> {
  const out = new Map<ReadPath, Widening>();
  if ('http' in spec.old || 'http' in spec.new || keys.length === 0) return out;
  const first = keys.slice(0, 1);
  const [old, fresh] = await Promise.all([pathColumns(ctx, spec.old, spec.key, first), pathColumns(ctx, spec.new, spec.key, first)]);
  // Object identifiers and xml print alike over different values (opaque-texts.ts): compared or keyed, "could not verify".
  const opaque = opaqueTextFault(([['old', old], ['new', fresh]] as const).flatMap(([side, columns]) => columns
    .filter((c) => c.opaque && !spec.compare.ignore.includes(c.name)).map((c) => ({ value: `column ${c.name}`, side, leaves: c.opaque! }))));
  if (opaque) throw new Fault(opaque);
  const decided = floatWidenings(old, fresh, { keyColumns: spec.key, ignore: spec.compare.ignore });
  if ('problem' in decided) throw new Fault({ code: 'float_widths_differ', message: decided.problem });
  out.set(spec.old, decided.old);
  out.set(spec.new, decided.new);
  return out;
}

/**
 * Where a type holds floats, through domains, arrays, composites, ranges and multiranges, read
 * from the catalog of the server the value comes from. A real and a double print alike (real 0.1,
 * which is 0.100000001490116…, prints `0.1` as double 0.1 does), so two containers compared by
 * text — a composite with a real field against one with a double field, a range over float4
 * against one over float8, the same type name declared differently on two servers — agree over
 * different numbers. column_parity and table_diff refuse such pairs (floatWidthsDiffer).
 *
 * The walk is done here, a level of the type tree per round trip (one for scalars, which have no
 * parts), not in SQL: a recursive catalog query per compared value made the planner's estimate
 * cross the JIT threshold, and compiling it took 30 s for a 200-column table.
 */
import { sql, type SQL } from '../sql/build.js';

/** Types a leaf can be: the two floats, and an anonymous record, whose fields the catalog does not name. */
const LEAF_TYPES = new Set(['real', 'double precision', 'record']);
/** A float itself, not inside a container: floatLeavesFrom's answer for real, double and domains over them. */
const SCALAR_FLOATS = new Set(['=real', '=double precision']);
/** Nesting deeper than this is not walked further; what lies below is "could not verify" (an unknown leaf). */
const MAX_DEPTH = 32;

/** One type's name and its parts: (part type, step) pairs, none for a scalar; a composite's parts also name their field. */
export interface TypeParts { name: string; parts: { oid: string; step: string; field?: string }[] }

/**
 * The name and the parts of each type in `oids` (an oid[] expression): a domain's base type, an
 * array's element (`[]`), a composite's fields by position (`.1`, `.2`, …, as record output writes
 * them, dropped columns left out), a range's subtype and a multirange's range (`~`).
 */
function planTypeParts(oids: SQL): SQL {
  const is = sql.raw('operator(pg_catalog.=)');
  return sql`select ty.oid::pg_catalog.text as oid, ty.oid::pg_catalog.regtype::pg_catalog.text as name,
      step.t::pg_catalog.text as part, step.name as step, step.field
    from pg_catalog.pg_type ty left join lateral (
      select ty.typbasetype, '', null::pg_catalog.text where ty.typtype ${is} 'd'
      union all select ty.typelem, '[]', null where ty.typsubscript ${is} 'pg_catalog.array_subscript_handler'::pg_catalog.regproc
      union all select a.atttypid, '.' operator(pg_catalog.||) (pg_catalog.row_number() over (order by a.attnum))::pg_catalog.text, a.attname::pg_catalog.text
        from pg_catalog.pg_attribute a
        where ty.typtype ${is} 'c' and a.attrelid ${is} ty.typrelid and a.attnum operator(pg_catalog.>) 0 and not a.attisdropped
      union all select r.rngsubtype, '~', null from pg_catalog.pg_range r where ty.typtype ${is} 'r' and r.rngtypid ${is} ty.oid
      union all select r.rngtypid, '~', null from pg_catalog.pg_range r where ty.typtype ${is} 'm' and r.rngmultitypid ${is} ty.oid
    ) as step(t, name, field) on true
    where ty.oid operator(pg_catalog.=) any (${oids})`;
}

/** A level of planTypeParts rows, gathered by type. */
function typePartsOf(rows: readonly Record<string, unknown>[]): Map<string, TypeParts> {
  const types = new Map<string, TypeParts>();
  for (const row of rows) {
    const oid = String(row.oid);
    const type = types.get(oid) ?? { name: String(row.name), parts: [] };
    if (row.part !== null && row.part !== undefined) {
      type.parts.push({ oid: String(row.part), step: String(row.step), ...(typeof row.field === 'string' ? { field: row.field } : {}) });
    }
    types.set(oid, type);
  }
  return types;
}

/**
 * Where a type holds floats (pure): `path=type` per leaf, comma-separated in path order — `=real`
 * a real itself, `[]=real` a real array of any dimensions or domains, `.2=double precision` a
 * composite's second field, `=record` an anonymous record — or null when it holds none. A type
 * missing from `types`, or nested deeper than MAX_DEPTH, is an `=record` leaf: unknown.
 */
export function floatLeavesFrom(root: string, types: ReadonlyMap<string, TypeParts>): string | null {
  const leaves: string[] = [];
  const walk = (oid: string, path: string, depth: number): void => {
    const type = types.get(oid);
    if (!type || depth > MAX_DEPTH) return void leaves.push(`${path}=record`);
    if (LEAF_TYPES.has(type.name)) return void leaves.push(`${path}=${type.name}`);
    for (const part of type.parts) walk(part.oid, path + part.step, depth + 1);
  };
  walk(root, '', 0);
  return leaves.length === 0 ? null : leaves.sort().join(',');
}

/**
 * The type trees under `roots` (every part of every type, to MAX_DEPTH), reading the catalog one
 * level per statement through `read`: what floatLeavesFrom, composite-fields.ts and opaque-texts.ts walk.
 */
export async function readTypeTrees(read: (statement: SQL) => Promise<Record<string, unknown>[]>, roots: readonly string[]): Promise<ReadonlyMap<string, TypeParts>> {
  const types = new Map<string, TypeParts>();
  let wanted = [...new Set(roots)];
  for (let depth = 0; wanted.length > 0 && depth <= MAX_DEPTH; depth++) {
    const level = typePartsOf(await read(planTypeParts(sql`${`{${wanted.join(',')}}`}::pg_catalog.oid[]`)));
    for (const [oid, type] of level) types.set(oid, type);
    // An oid the catalog did not answer stays out of `types`: an unknown leaf, never skipped.
    wanted = [...new Set([...level.values()].flatMap((type) => (LEAF_TYPES.has(type.name) ? [] : type.parts.map((part) => part.oid))))].filter((oid) => !types.has(oid));
  }
  return types;
}

/**
 * Whether two types' floats (floatLeavesFrom) could print alike while holding different numbers:
 * one side reaches a real and the other a double, in containers that are not the same; or one
 * side is an anonymous record (which may hold either) and the other holds a float or is one too.
 * Scalars and plain arrays of floats have exact rules of their own; any other such pair is "could
 * not verify" (there is no cast from one composite or range type to another to widen through).
 */
export function floatWidthsDiffer(old: string | null, fresh: string | null): boolean {
  if (old === null || fresh === null) return false;
  // Two floats, each a scalar (a domain over one included): compared exactly as doubles already.
  if (SCALAR_FLOATS.has(old) && SCALAR_FLOATS.has(fresh)) return false;
  const has = (leaves: string, ...types: string[]) => leaves.split(',').some((leaf) => types.some((type) => leaf.endsWith(`=${type}`)));
  const unknown = (a: string, b: string) => has(a, 'record') && has(b, 'record', 'real', 'double precision');
  if (unknown(old, fresh) || unknown(fresh, old)) return true;
  if (old === fresh) return false;
  return (has(old, 'real') && has(fresh, 'double precision')) || (has(old, 'double precision') && has(fresh, 'real'));
}

/**
 * The field names of the composites a type holds, through domains, arrays, ranges and other
 * composites (the type tree float-leaves.ts reads). Record output writes a composite's fields by
 * position and without their names, so two composite types of one name declared with their fields
 * in another order (`pt as (x int, y int)` on old, `pt as (y int, x int)` on new) print a point
 * whose x and y were swapped exactly as the original: compared by text, they agree over different
 * values. A comparison by text is sound only where both sides name the same fields in the same order.
 */
import type { FaultInfo } from '../results/fault.js';
import type { TypeParts } from './float-leaves.js';

/** Nesting deeper than this is not walked further; what lies below has unknown fields. */
const MAX_DEPTH = 32;

/**
 * The composites a type holds (pure), as JSON: `[path, field names]` per composite in walk order
 * (paths as float-leaves.ts writes them: `[]` an array, `.2` a composite's second field, `~` a
 * range's subtype), `[path, null]` for an anonymous record or a type not read (names unknown);
 * null when it holds no composite.
 */
export function compositeFieldsFrom(root: string, types: ReadonlyMap<string, TypeParts>): string | null {
  const found: [string, string[] | null][] = [];
  const walk = (oid: string, path: string, depth: number): void => {
    const type = types.get(oid);
    if (!type || depth > MAX_DEPTH || type.name === 'record') return void found.push([path, null]);
    const fields = type.parts.flatMap((part) => (part.field === undefined ? [] : [part.field]));
    if (fields.length > 0) found.push([path, fields]);
    for (const part of type.parts) walk(part.oid, path + part.step, depth + 1);
  };
  walk(root, '', 0);
  return found.length === 0 ? null : JSON.stringify(found);
}

/**
 * Whether two values' composites could print alike while their fields differ by name (pure): both
 * hold composites and they name other fields, in another order, or a side's names are unknown. A
 * side without composites is compared by its text as any other pair of types is.
 */
export function compositeFieldsDiffer(old: string | null, fresh: string | null): boolean {
  if (old === null || fresh === null) return false;
  const unknown = (shape: string) => (JSON.parse(shape) as [string, string[] | null][]).some(([, fields]) => fields === null);
  return old !== fresh || unknown(old) || unknown(fresh);
}

/** The field names of a shape, for a message: `(x, y)`, `[] (x, y)` for an array's elements, per composite. */
function describe(shape: string | null): string {
  if (shape === null) return 'no composite';
  return (JSON.parse(shape) as [string, string[] | null][])
    .map(([path, fields]) => `${path ? `${path} ` : ''}${fields === null ? 'an anonymous record or unread type (fields unknown)' : `(${fields.join(', ')})`}`).join(', ');
}

/** "Could not verify": the two sides' composites name other fields (or unknown ones), so their texts could agree over swapped values. */
export function compositeFieldsFault(what: string, old: string | null, fresh: string | null): FaultInfo {
  return {
    code: 'composite_fields_differ',
    message: `${what} holds composites whose fields differ between the sides (old ${describe(old)}; new ${describe(fresh)}); a composite prints its fields by position without their names, so values with fields swapped would print alike — compare its fields as separate columns (a view on each side selecting each field), or declare the type alike on both sides`,
  };
}

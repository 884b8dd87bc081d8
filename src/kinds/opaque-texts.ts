/**
 * Leaves of a type tree (float-leaves.ts) whose text says less than the value holds, so two
 * different values can print alike however carefully the rest of the row is written:
 *
 * - Object identifiers whose output reads the session's search_path (regclass, regproc,
 *   regprocedure, regoper, regoperator, regtype, regconfig, regdictionary, regcollation): an
 *   object is printed without its schema wherever the path reaches it, and a source keeps its own
 *   path (a database's or role's `SET search_path`, a URL's `?search_path=`), so `sa.target` read
 *   under `sa` and `sb.target` read under `sb` both print `target`. They are server-local oids
 *   besides: the same name on two servers is a different oid. Refused wherever they are, through
 *   domains, arrays, composites and ranges (`object_identifier`). regrole and regnamespace print
 *   names that need no schema, and stay compared by text.
 * - xml inside a container (an array, a composite, a range): record and array output write it with
 *   xml's output function, which drops an `<?xml version="1.0" encoding="…"?>` declaration, where
 *   a top-level xml value is written by its `::text`, the stored text (`xml_in_container`).
 *
 * An anonymous record built in a check's own expression (`row(r)`) is the operator's text, as an
 * explicit `r::text` is; its fields are not known to the catalog and are not walked.
 */
import type { FaultInfo } from '../results/fault.js';
import type { TypeParts } from './float-leaves.js';

/** The object-identifier types whose output depends on the session's search_path. */
const PATH_PRINTED_TYPES = new Set([
  'regclass', 'regproc', 'regprocedure', 'regoper', 'regoperator', 'regtype', 'regconfig', 'regdictionary', 'regcollation',
]);
/** Nesting deeper than float-leaves.ts walks is not looked at here either (it is an unknown leaf there). */
const MAX_DEPTH = 32;

/**
 * The leaves of `root` whose text is opaque (pure), as `path=type` in path order (float-leaves.ts's
 * paths: `[]` an array, `.2` a composite's second field, `~` a range), or null when it has none.
 * `xmlByOutput`: the value is written by its output function even at the top (shadow_read's
 * `to_json`), so a top-level xml is opaque too.
 */
export function opaqueTextLeavesFrom(root: string, types: ReadonlyMap<string, TypeParts>, options: { xmlByOutput?: boolean } = {}): string | null {
  const leaves: string[] = [];
  const walk = (oid: string, path: string, depth: number): void => {
    const type = types.get(oid);
    if (!type || depth > MAX_DEPTH) return;
    if (PATH_PRINTED_TYPES.has(type.name)) return void leaves.push(`${path}=${type.name}`);
    // A top-level xml (a domain over one included: its step is '') is written by its ::text,
    // unless the reader writes every value with its output function (`xmlByOutput`: to_json).
    if (type.name === 'xml') return void (path === '' && !options.xmlByOutput ? undefined : leaves.push(`${path}=xml`));
    for (const part of type.parts) walk(part.oid, path + part.step, depth + 1);
  };
  walk(root, '', 0);
  return leaves.length === 0 ? null : leaves.join(',');
}

/** One compared value (or key) whose type holds opaque leaves. */
export interface OpaqueText { value: string; side: 'old' | 'new'; leaves: string }

/** The fault for the first values found (object identifiers before xml), or undefined when there are none. */
export function opaqueTextFault(found: readonly OpaqueText[]): FaultInfo | undefined {
  const named = (list: readonly OpaqueText[]) => list.map((f) => `${f.value} (${f.side}: ${f.leaves})`).join(', ');
  const identifiers = found.filter((f) => f.leaves.split(',').some((leaf) => !leaf.endsWith('=xml')));
  if (identifiers.length > 0) {
    return {
      code: 'object_identifier',
      message: `${named(identifiers)}: an object identifier (regclass, regproc, regtype, …) prints an object's name without its schema wherever the session's search_path reaches it, and each source reads with its own path, so tables, functions or types of one name in two schemas print alike; it is a server-local oid besides — compare a schema-qualified name built from the catalog (e.g. format('%I.%I', n.nspname, c.relname)), or its oid (r::oid) when both sides are one database`,
    };
  }
  if (found.length === 0) return undefined;
  return {
    code: 'xml_in_container',
    message: `${named(found)}: xml inside an array, composite or range (and, read as JSON, any xml) is written by xml's output function, which drops an <?xml …?> declaration, so values differing in it print alike — compare the xml's ::text as a value of its own (it keeps the stored text)`,
  };
}

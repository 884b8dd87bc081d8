/** Gathers the catalog side of `unused`: the listed shape, and every object that depends on it. */
import { Fault } from '../../results/fault.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';
import type { ExecutionContext } from '../types.js';
import { planDependencies, planFindTarget, planFunctionBodies, planPartitionKeys, planPublications, type CatalogTarget } from './plan-catalog.js';
import { resolveStatement } from './resolve-statement.js';
import { mayMention, mentionsWord, type RelationName, type ShapeTarget } from './targets.js';
import type { UnusedSpec } from './spec.js';
import type { Dependency } from './verdict.js';

/** The shape found in the catalog: targets for the resolver, relation rows for catalog queries. */
export interface FoundShape { targets: ShapeTarget[]; catalog: CatalogTarget[] }

type TargetRow = { oid: string; schema: string; name: string; namespace: string; row_type: string; attnum: number | null; descendants: string; ancestors: string };
type RelativeRow = RelationName & { oid: string; row_type: string; attnum: number | null };

/** Finds each listed table and column; a missing one is a fault (a typo must never pass as "unused"). */
export async function findShape(spec: UnusedSpec, ctx: ExecutionContext): Promise<FoundShape> {
  const listed: { table: TableRef; column: string | undefined }[] = [...spec.tables.map((table) => ({ table, column: undefined })), ...spec.columns];
  const found: FoundShape = { targets: [], catalog: [] };
  for (const { table, column } of listed) {
    const [row] = await ctx.query<TargetRow>(spec.source, planFindTarget(table, column));
    if (!row) throw new Fault({ code: 'missing_relation', message: `table ${formatTableRef(table)} does not exist` });
    if (column !== undefined && row.attnum === null) throw new Fault({ code: 'missing_column', message: `column ${column} does not exist in ${row.schema}.${row.name}` });
    const label = column === undefined ? `${row.schema}.${row.name}` : `${row.schema}.${row.name}.${column}`;
    const descendants = JSON.parse(row.descendants) as RelativeRow[];
    // A query on a parent scans the listed table too (unless pruned): the parent's readers are its
    // readers. For a column, only a parent that has the column by that name reads it.
    const ancestors = (JSON.parse(row.ancestors) as RelativeRow[]).filter((a) => column === undefined || a.attnum !== null);
    const relatives = [...descendants, ...ancestors].map((r) => ({ schema: r.schema, name: r.name }));
    found.targets.push({ label, column, relations: [{ schema: row.schema, name: row.name }, ...relatives] });
    found.catalog.push({ label, oid: row.oid, attnum: Number(row.attnum ?? 0), namespace: row.namespace, rowType: row.row_type });
    for (const d of descendants) {
      if (column === undefined || d.attnum !== null) found.catalog.push({ label, oid: d.oid, attnum: Number(d.attnum ?? 0), namespace: row.namespace, rowType: d.row_type });
    }
    for (const a of ancestors) {
      found.catalog.push({ label, oid: a.oid, attnum: Number(a.attnum ?? 0), namespace: row.namespace, rowType: a.row_type, ancestor: true });
    }
  }
  return found;
}

type FunctionRow = { signature: string; language: string; body: string; triggers: string | null; trigger_relids: string };

/** NEW/OLD used as a whole row (`new.*`, `to_jsonb(new)`, `insert … values (new.*)`), not only as `new.field` or `return new`. */
function usesWholeTriggerRow(body: string): boolean {
  // PL/pgSQL reads a quoted lower-case "new"/"old" as NEW/OLD: spell it plainly first.
  const plain = body.replace(/"(new|old)"/g, '$1');
  const rest = plain.replace(/\breturn\s+(new|old)\s*;/gi, '');
  return /(^|[^a-z0-9_$."])(new|old)(?!\s*\.\s*[a-z_"])($|[^a-z0-9_$])/i.test(rest);
}

/** Which targets a function body uses: SQL bodies are parsed; other languages count when they name the relation. */
function functionUses(fn: FunctionRow, targets: readonly ShapeTarget[], catalog: readonly CatalogTarget[]): string[] {
  // A trigger on a target relation reaches its columns through NEW/OLD without naming the table.
  const triggerRelids = new Set(JSON.parse(fn.trigger_relids) as string[]);
  const viaTrigger = targets.filter((t) => catalog.some((c) => c.label === t.label && triggerRelids.has(c.oid))
    && (t.column === undefined || mentionsWord(fn.body, t.column) || usesWholeTriggerRow(fn.body) || /u&["']/i.test(fn.body)));
  return [...new Set([...viaTrigger.map((t) => t.label), ...bodyUses(fn, targets)])];
}

function bodyUses(fn: FunctionRow, targets: readonly ShapeTarget[]): string[] {
  if (fn.language === 'sql') {
    const use = resolveStatement(fn.body, targets);
    if (use.kind === 'resolved') return use.uses.map((u) => u.target);
    return use.mightTouch ? targets.filter((t) => mayMention(fn.body, t)).map((t) => t.label) : [];
  }
  // PL/pgSQL and other bodies may build SQL at run time; naming the relation is reason enough.
  return targets.filter((t) => mayMention(fn.body, t)).map((t) => t.label);
}

/** Every catalog object that depends on the shape: pg_depend, publications, partition keys, and function bodies. */
export async function findDependencies(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape): Promise<Dependency[]> {
  const deps = [
    ...await ctx.query<{ target: string; kind: string; object: string }>(spec.source, planDependencies(shape.catalog)),
    ...await ctx.query<{ target: string; kind: string; object: string }>(spec.source, planPublications(shape.catalog)),
    ...await ctx.query<{ target: string; kind: string; object: string }>(spec.source, planPartitionKeys(shape.catalog)),
  ].map((d) => ({ target: d.target, kind: d.kind, object: d.object }));
  const names = [...new Set(shape.targets.flatMap((t) => t.relations.map((r) => r.name)))];
  for (const fn of await ctx.query<FunctionRow>(spec.source, planFunctionBodies(names, shape.catalog))) {
    const how = fn.language === 'sql' ? 'SQL body' : `${fn.language} body (names the table; not parsed)`;
    const triggers = fn.triggers ? `, called by trigger ${fn.triggers}` : '';
    for (const target of functionUses(fn, shape.targets, shape.catalog)) {
      if (!deps.some((d) => d.kind === 'function' && d.object === `function ${fn.signature}` && d.target === target)) {
        deps.push({ target, kind: 'function', object: `${fn.signature} (${how}${triggers})` });
      }
    }
  }
  return deps;
}

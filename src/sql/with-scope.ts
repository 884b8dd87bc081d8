/**
 * Which names a WITH query defines where: SQL scoping, not the statement's every WITH name. A WITH
 * query's name is seen in its own statement (every branch of a set operation, ORDER BY, LIMIT) and
 * the sub-queries nested in it; by the WITH queries after it in the same list; under RECURSIVE by
 * every query of the list, itself included. Nowhere else: `exists (with t as (…) select … from t)`
 * leaves every other `t` of the statement the table. Pure; iterative (deep trees cannot overflow).
 */
import { untag, type SqlTreeNode } from './tree-walk.js';

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The WITH query names of a `withClause` field (tagged or not), in order, and whether it is RECURSIVE. */
function withNamesOf(withClause: unknown): { names: string[]; ctes: unknown[]; recursive: boolean } {
  const clause = isObject(withClause) ? untag(withClause).fields : {};
  const ctes = Array.isArray(clause['ctes']) ? clause['ctes'] : [];
  const names = ctes.map((cte) => (isObject(cte) ? untag(cte).fields['ctename'] : undefined)).filter((n): n is string => typeof n === 'string');
  return { names, ctes, recursive: clause['recursive'] === true };
}

/**
 * Visits every node under `tree` (parents before children) with the WITH query names visible there.
 * A visitor that returns `'skip'` is not shown that node's children.
 */
export function walkWithScope(tree: unknown, visit: (node: SqlTreeNode, withNames: ReadonlySet<string>) => void | 'skip'): void {
  const stack: { value: unknown; key: string | undefined; names: ReadonlySet<string> }[] = [{ value: tree, key: undefined, names: new Set() }];
  while (stack.length > 0) {
    const { value, key, names } = stack.pop()!;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key, names });
      continue;
    }
    if (!isObject(value)) continue;
    const { type, fields } = untag(value);
    if (visit({ type, fields, key }, names) === 'skip') continue;
    const withClause = fields['withClause'];
    const own = withClause === undefined ? undefined : withNamesOf(withClause);
    const inBody = own === undefined ? names : new Set([...names, ...own.names]);
    const entries = Object.entries(fields);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [childKey, child] = entries[i]!;
      if (typeof child !== 'object' || child === null) continue;
      if (childKey !== 'withClause' || own === undefined) {
        stack.push({ value: child, key: childKey, names: inBody });
        continue;
      }
      // Each WITH query sees those before it (under RECURSIVE: all of them, itself included).
      own.ctes.forEach((cte, j) => {
        const seen = own.recursive ? inBody : new Set([...names, ...own.names.slice(0, j)]);
        stack.push({ value: cte, key: 'ctes', names: seen });
      });
    }
  }
}

/** A relation a statement names (a RangeVar no visible WITH query takes), with the WITH names visible where it is named. */
export interface TableReference {
  fields: Readonly<Fields>;
  /** A statement's target (`insert into t`, `update t`): an untagged RangeVar under `relation`. */
  target: boolean;
  withNames: ReadonlySet<string>;
}

/**
 * The RangeVars of `tree`, each a relation or a read of a WITH query: an unqualified name a WITH
 * query visible there defines. A statement's target (`insert into t`) is always a relation.
 */
function rangeVarsOf(tree: unknown): { relations: TableReference[]; withReads: Set<object> } {
  const relations: TableReference[] = [];
  const withReads = new Set<object>();
  walkWithScope(tree, ({ type, fields, key }, withNames) => {
    if (typeof fields['relname'] !== 'string') return undefined;
    const target = type === undefined && key === 'relation' && ('relpersistence' in fields || 'inh' in fields);
    if (type !== 'RangeVar' && !target) return undefined;
    if (!target && fields['schemaname'] === undefined && fields['catalogname'] === undefined && withNames.has(fields['relname'])) withReads.add(fields);
    else relations.push({ fields, target, withNames });
    return undefined;
  });
  return { relations, withReads };
}

/** The RangeVars of `tree` that name relations, not WITH queries (by scope). */
export const tableReferencesOf = (tree: unknown): TableReference[] => rangeVarsOf(tree).relations;

/** The RangeVars of `tree` (their fields, as tree-walk.ts hands them out) that read a WITH query visible where they are named. */
export const withQueryReadsOf = (tree: unknown): ReadonlySet<object> => rangeVarsOf(tree).withReads;

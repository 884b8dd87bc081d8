/**
 * The name Postgres gives a select-list entry written without `as` (its FigureColname): a column's
 * own name, a function's, a cast's type when the value has none, `case`, `coalesce`, a sub-select's
 * first column, and `?column?` for anything else. Pure: judged on the raw parse tree.
 */
import { stringNodeValue } from './tree-walk.js';

type Fields = Readonly<Record<string, unknown>>;

/** A name and how sure Postgres is of it: 2 names the value, 1 only its type, 0 nothing. */
interface Figured { name: string; strength: 0 | 1 | 2 }

const UNKNOWN: Figured = { name: '?column?', strength: 0 };

function tagged(node: unknown): { type: string | undefined; fields: Fields } {
  if (typeof node !== 'object' || node === null) return { type: undefined, fields: {} };
  const [type] = Object.keys(node);
  return { type, fields: ((node as Record<string, unknown>)[type ?? ''] ?? {}) as Fields };
}

const lastName = (list: unknown): string | undefined => (Array.isArray(list) ? list.map(stringNodeValue).filter((n) => n !== undefined).at(-1) : undefined);

// Named after the function they spell (`SVFOP_CURRENT_TIME_N` → current_time, `IS_XMLELEMENT` → xmlelement).
const opName = (op: unknown, prefix: string): string | undefined => (typeof op === 'string' && op.startsWith(prefix) ? op.slice(prefix.length).replace(/_N$/, '').toLowerCase() : undefined);

function figure(node: unknown): Figured {
  const { type, fields } = tagged(node);
  const named = (name: string | undefined): Figured => (name === undefined ? UNKNOWN : { name, strength: 2 });
  switch (type) {
    case 'ColumnRef': return named(lastName(fields['fields']));
    case 'A_Indirection': { const name = lastName(fields['indirection']); return name !== undefined ? named(name) : figure(fields['arg']); }
    case 'FuncCall': return named(lastName(fields['funcname']));
    case 'A_Expr': return fields['kind'] === 'AEXPR_NULLIF' ? named('nullif') : UNKNOWN;
    case 'TypeCast': {
      const inner = figure(fields['arg']);
      if (inner.strength > 1) return inner;
      const typeName = lastName((fields['typeName'] as { names?: unknown } | undefined)?.names);
      return typeName === undefined ? inner : { name: typeName, strength: 1 };
    }
    case 'CollateClause': return figure(fields['arg']);
    case 'GroupingFunc': return named('grouping');
    case 'SubLink': {
      if (fields['subLinkType'] === 'EXISTS_SUBLINK') return named('exists');
      if (fields['subLinkType'] === 'ARRAY_SUBLINK') return named('array');
      if (fields['subLinkType'] !== 'EXPR_SUBLINK') return UNKNOWN;
      const first = (tagged(fields['subselect']).fields['targetList'] as { ResTarget?: Fields }[] | undefined)?.[0]?.ResTarget;
      return typeof first?.['name'] === 'string' ? named(first['name']) : first ? figure(first['val']) : UNKNOWN;
    }
    case 'CaseExpr': return named('case');
    case 'A_ArrayExpr': return named('array');
    case 'RowExpr': return named('row');
    case 'CoalesceExpr': return named('coalesce');
    case 'MinMaxExpr': return named(fields['op'] === 'IS_LEAST' ? 'least' : 'greatest');
    case 'SQLValueFunction': return named(opName(fields['op'], 'SVFOP_'));
    case 'XmlExpr': return fields['op'] === 'IS_DOCUMENT' ? UNKNOWN : named(opName(fields['op'], 'IS_'));
    case 'XmlSerialize': return named('xmlserialize');
    default: return UNKNOWN;
  }
}

/** The column name Postgres gives the select-list value `value` written without `as`. */
export function figureColumnName(value: unknown): string {
  return figure(value).name;
}

/**
 * Definitions that hand SQL to a function as text, or a relation by name (pure: parse → uses).
 * `create view export as select query_to_xml('select id, full_name from users', …)` reads
 * `full_name` where Postgres records no dependency (the query is a string), `table_to_xml('users',
 * …)` reads every column of `users` while depending on the table alone, and `ts_stat('select tsv
 * from users')` likewise; so does a default, policy, check, trigger condition, index, statistics
 * object or SQL-standard routine body calling them. The constant text is parsed by the real parser
 * and judged as a statement would be; a text or name that is not a constant cannot be judged.
 */
import { parseSql } from '../../sql/parser.js';
import { walkSqlTree } from '../../sql/tree-walk.js';
import { resolveStatement } from './resolve-statement.js';
import { mayMention, type ShapeTarget } from './targets.js';

/** How a SQL-running built-in reads: which argument (by position, or by name) holds what. */
type Reads =
  | { what: 'query'; args: { position: number; name: string }[] }
  | { what: 'relation'; args: { position: number; name: string }[] }
  | { what: 'schema'; args: { position: number; name: string }[] }
  | { what: 'database' }
  | { what: 'cursor' }
  /** Pastes several text arguments into one query it runs (`build` gets them in `args` order). */
  | { what: 'assembled'; args: { position: number; name: string }[]; build(texts: string[]): string };

const query = (...names: string[]): Reads => ({ what: 'query', args: names.map((name, position) => ({ position, name })) });
const relation: Reads = { what: 'relation', args: [{ position: 0, name: 'tbl' }] };
const schema: Reads = { what: 'schema', args: [{ position: 0, name: 'schema' }] };

/** The built-ins (and tablefunc's and xml2's functions) that run SQL given as text or a relation name, through SPI. */
export const SQL_TEXT_FUNCTIONS: Readonly<Record<string, Reads>> = {
  query_to_xml: query('query'), query_to_xmlschema: query('query'), query_to_xml_and_xmlschema: query('query'),
  ts_stat: query('query'), crosstab: query('source_sql', 'category_sql'), crosstab2: query('source_sql'), crosstab3: query('source_sql'), crosstab4: query('source_sql'),
  table_to_xml: relation, table_to_xmlschema: relation, table_to_xml_and_xmlschema: relation,
  connectby: { what: 'relation', args: [{ position: 0, name: 'relname' }] },
  schema_to_xml: schema, schema_to_xmlschema: schema, schema_to_xml_and_xmlschema: schema,
  database_to_xml: { what: 'database' }, database_to_xmlschema: { what: 'database' }, database_to_xml_and_xmlschema: { what: 'database' },
  cursor_to_xml: { what: 'cursor' }, cursor_to_xmlschema: { what: 'cursor' },
  // xml2 runs `SELECT <key>, <document> FROM <relation> WHERE <criteria>` (xpath.c), its xpaths aside.
  xpath_table: {
    what: 'assembled',
    args: [{ position: 0, name: 'key' }, { position: 1, name: 'document' }, { position: 2, name: 'relation' }, { position: 4, name: 'criteria' }],
    build: ([key, document, relation, criteria]) => `select ${key}, ${document} from ${relation} where ${criteria}`,
  },
};

/** What a definition's SQL-running calls read: target labels, and calls whose text cannot be judged. */
export interface SqlTextUses { uses: string[]; unjudged: string[] }

type Node = Record<string, unknown>;

/** The string a constant argument holds (through casts: `'users'::regclass`), null for NULL, undefined when not a constant string. */
function constantText(arg: unknown): string | null | undefined {
  const node = arg as Node | undefined;
  if (node?.['TypeCast']) return constantText((node['TypeCast'] as Node)['arg']);
  const constant = node?.['A_Const'] as Node | undefined;
  if (!constant) return undefined;
  if (constant['isnull'] === true) return null;
  const sval = (constant['sval'] as Node | undefined)?.['sval'];
  return typeof sval === 'string' ? sval : undefined;
}

/** A numeric constant (through casts). */
function isNumberConstant(arg: unknown): boolean {
  const node = arg as Node | undefined;
  if (node?.['TypeCast']) return isNumberConstant((node['TypeCast'] as Node)['arg']);
  const constant = node?.['A_Const'] as Node | undefined;
  return constant !== undefined && (constant['ival'] !== undefined || constant['fval'] !== undefined);
}

/** The call's argument for a parameter: named (`query => …`) or at its position among the positional ones. */
function argumentFor(args: readonly unknown[], position: number, name: string): { found: boolean; value: unknown } {
  const named = args.find((a) => ((a as Node)['NamedArgExpr'] as Node | undefined)?.['name'] === name);
  if (named) return { found: true, value: ((named as Node)['NamedArgExpr'] as Node)['arg'] };
  const positional = args.filter((a) => !(a as Node)['NamedArgExpr']);
  return position < positional.length ? { found: true, value: positional[position] } : { found: false, value: undefined };
}

/** The one relation a regclass or relation-name text names, as the parser reads it after FROM. */
function relationNamed(text: string): { schema: string | undefined; name: string } | undefined {
  if (/[;()]/.test(text)) return undefined;
  const parsed = parseSql(`select from ${text}`);
  if (parsed.kind === 'syntax_error') return undefined;
  const found: { schema: string | undefined; name: string }[] = [];
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (type === 'RangeVar' && typeof fields['relname'] === 'string') found.push({ schema: typeof fields['schemaname'] === 'string' ? fields['schemaname'] : undefined, name: fields['relname'] });
  });
  return found.length === 1 ? found[0] : undefined;
}

/**
 * What a definition's calls to SQL-running built-ins read, and (for `routines`, functions of the
 * database that may run SQL they are given) which targets a constant text argument may name.
 * `definition` is a whole statement (pg_get_ruledef, pg_get_functiondef, `select <expr>`, …).
 */
export function sqlTextUses(definition: string, targets: readonly ShapeTarget[], routines: ReadonlySet<string>, depth = 0): SqlTextUses {
  const out: SqlTextUses = { uses: [], unjudged: [] };
  const parsed = parseSql(definition);
  if (parsed.kind === 'syntax_error') {
    out.unjudged.push(`the PostgreSQL parser rejected its definition (${parsed.message})`);
    return out;
  }
  const useAll = (which: readonly ShapeTarget[]) => out.uses.push(...which.map((t) => t.label));
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (type !== 'FuncCall') return;
    const fn = ((fields['funcname'] as Node[] | undefined) ?? []).map((n) => (n['String'] as Node | undefined)?.['sval']).at(-1);
    if (typeof fn !== 'string') return;
    const args = (fields['args'] as unknown[] | undefined) ?? [];
    const reads = SQL_TEXT_FUNCTIONS[fn];
    if (!reads) {
      // A routine that may run what it is given (EXECUTE, another language): any constant naming a target may be that SQL.
      if (routines.has(fn)) {
        for (const arg of args) {
          const text = constantText((arg as Node)['NamedArgExpr'] ? ((arg as Node)['NamedArgExpr'] as Node)['arg'] : arg);
          if (typeof text === 'string') useAll(targets.filter((t) => mayMention(text, t)));
        }
      }
      return;
    }
    if (reads.what === 'database') {
      useAll(targets);
      return;
    }
    if (reads.what === 'cursor') {
      out.unjudged.push(`${fn} reads a cursor opened elsewhere, whose query the definition does not show`);
      return;
    }
    if (reads.what === 'assembled') {
      const texts = reads.args.map((param) => { const { found, value } = argumentFor(args, param.position, param.name); return found ? constantText(value) : undefined; });
      if (texts.some((text) => typeof text !== 'string')) {
        out.unjudged.push(`${fn} builds the query it runs from arguments that are not all constant texts, so what it reads is known only when it runs`);
        return;
      }
      const text = reads.build(texts as string[]);
      const use = resolveStatement(text, targets);
      if (use.kind === 'resolved') out.uses.push(...use.uses.map((u) => u.target));
      else if (use.mightTouch) out.unjudged.push(`${fn}'s query \`${text.slice(0, 200)}\` cannot be read: ${use.reason}`);
      return;
    }
    for (const param of reads.args) {
      const { found, value } = argumentFor(args, param.position, param.name);
      if (!found) continue;
      const text = constantText(value);
      if (text === null) continue;
      // A number cannot be SQL text (crosstab's second argument may be an integer); as a relation it is an oid.
      if (text === undefined && reads.what === 'query' && isNumberConstant(value)) continue;
      if (text === undefined) {
        out.unjudged.push(`${fn} is given its ${reads.what === 'query' ? 'query' : reads.what} (${param.name}) as an expression, not a constant, so what it reads is known only when it runs`);
        continue;
      }
      if (reads.what === 'query') {
        const use = resolveStatement(text, targets);
        if (use.kind === 'resolved') out.uses.push(...use.uses.map((u) => u.target));
        else if (use.mightTouch) out.unjudged.push(`${fn}'s query \`${text.slice(0, 200)}\` cannot be read: ${use.reason}`);
        // The query may itself hand SQL on as text.
        if (depth < 4 && use.kind === 'resolved') {
          const inner = sqlTextUses(text, targets, routines, depth + 1);
          out.uses.push(...inner.uses);
          out.unjudged.push(...inner.unjudged.filter((u) => !u.startsWith('the PostgreSQL parser')));
        }
      } else if (reads.what === 'relation') {
        const named = relationNamed(text);
        if (!named) out.unjudged.push(`${fn} is given \`${text.slice(0, 200)}\`, which is not one relation name parity can read`);
        // Every column of the relation is read: a column target counts as a table's would.
        else useAll(targets.filter((t) => t.relations.some((r) => r.name === named.name && (named.schema === undefined || named.schema === r.schema))));
      } else {
        // A schema name is taken as written (no case folding); compared without case, over-approximate.
        useAll(targets.filter((t) => t.relations.some((r) => r.schema.toLowerCase() === text.toLowerCase())));
      }
    }
  });
  return { uses: [...new Set(out.uses)], unjudged: [...new Set(out.unjudged)] };
}


/**
 * The pure parts of sql_assert's data witness (kinds/data-witness.ts): what a query reads that the
 * witness must know (the functions and operators it calls, system columns, its constants), the pools of values a column's generated rows are drawn from, each round's
 * rows (seeded, so every run tries the same contents), and the query with each table read replaced
 * by those rows. A pass stands only when some generated contents make the answer differ.
 * Pure once the parser is loaded.
 */
import { indexOfByte, parseSql, scanSql } from './parser.js';
import { lastName, list, nodeOf, numberOf } from './normal-form.js';
import type { Span } from './query-as-run.js';
import { stringNodeValue, walkSqlTree } from './tree-walk.js';
import { columnExpression } from './shape.js';

/** Columns no generated row can stand in for: they read where a row is stored, not what it holds. */
const SYSTEM_COLUMNS = new Set(['ctid', 'xmin', 'xmax', 'cmin', 'cmax', 'tableoid']);

/** What the witness needs to know about a query's text. */
export interface QueryReads {
  /** Names of every function called (as folded), to be checked against the built-ins. */
  functions: string[];
  /** Names of every operator used, to be checked against the built-ins. */
  operators: string[];
  /** System columns read (`ctid`, `xmin`, …). */
  systemColumns: string[];
  /** Each constant's text (numbers as written, strings, `true`/`false`). */
  constants: string[];
  /** Names WITH clauses define. */
  cteNames: Set<string>;
  /**
   * Names that may read a whole row as one value: a lone name (`o`, which is a column if the
   * relations have one so named) and `o.*` anywhere but a select list, where it expands to columns.
   */
  wholeRows: Set<string>;
}

/** What `text` reads, or undefined when it does not parse as one statement. */
export function queryReadsOf(text: string): QueryReads | undefined {
  const parsed = parseSql(text);
  if (parsed.kind !== 'parsed') return undefined;
  const statements = (parsed.tree as { stmts?: { stmt?: unknown }[] }).stmts ?? [];
  if (statements.length !== 1) return undefined;
  const reads: QueryReads = { functions: [], operators: [], systemColumns: [], constants: [], cteNames: new Set(), wholeRows: new Set() };
  walkSqlTree(statements[0]?.stmt, ({ type, fields, key }) => {
    if (type === 'FuncCall') reads.functions.push(...lastOf(fields['funcname']));
    else if (type === 'A_Expr') reads.operators.push(...lastOf(fields['name']));
    else if (type === 'CommonTableExpr') reads.cteNames.add(String(fields['ctename']));
    else if (type === 'ColumnRef') {
      const parts = list(fields['fields']);
      const name = parts.map(stringNodeValue).at(-1);
      if (name !== undefined && SYSTEM_COLUMNS.has(name)) reads.systemColumns.push(name);
      const star = parts.length >= 2 && nodeOf(parts.at(-1)).type === 'A_Star';
      const qualifier = parts.length >= 2 ? stringNodeValue(parts.at(-2)) : undefined;
      if (parts.length === 1 && name !== undefined) reads.wholeRows.add(name);
      else if (star && qualifier !== undefined && key !== 'val') reads.wholeRows.add(qualifier);
    } else if (type === 'A_Const' && fields['isnull'] !== true) {
      const value = constantText(fields);
      if (value !== undefined) reads.constants.push(value);
    }
    return undefined;
  });
  return reads;
}

const lastOf = (names: unknown): string[] => {
  const name = list(names).map(stringNodeValue).at(-1);
  return name === undefined ? [] : [name];
};

function constantText(fields: Readonly<Record<string, unknown>>): string | undefined {
  const inner = (key: string) => (fields[key] as Record<string, unknown> | undefined)?.[key];
  if (fields['ival'] !== undefined) return String(inner('ival') ?? 0);
  if (fields['fval'] !== undefined) return String(inner('fval'));
  if (fields['sval'] !== undefined) return String(inner('sval') ?? '');
  if (fields['boolval'] !== undefined) return String(inner('boolval') === true);
  return undefined;
}

/** A column of a table the query reads, as the catalog describes it. */
export interface WitnessColumn {
  name: string;
  /** format_type(atttypid, atttypmod): how a value is cast to the column's type. */
  type: string;
  /** pg_type.typcategory. */
  category: string;
  notNull: boolean;
  /** An enum's labels in order (none for other types). */
  labels: string[];
  /** A stored generated column's expression (pg_get_expr): computed from the generated row, never drawn. */
  generated?: string;
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** Neighbours of a number constant (±1), exact for integers of any size. */
function neighbours(text: string): string[] {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) {
    const n = BigInt(trimmed);
    return [String(n - 1n), String(n + 1n)];
  }
  const n = Number(trimmed);
  return Number.isFinite(n) ? [String(n - 1), String(n + 1), String(n - 0.5), String(n + 0.5)] : [];
}

const isNumberText = (text: string) => /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text) || /^\s*[-+]?(nan|infinity)\s*$/i.test(text);

/**
 * The values (as text, before the server checks they are valid input for the type) a column's
 * generated rows may hold: values sampled from the table first (so joins between tables can
 * match), then the query's constants and their neighbours, then the type's extremes. NULL is not
 * among them (the caller adds it where the column may hold it).
 */
export function candidateValues(column: WitnessColumn, samples: readonly string[], constants: readonly string[]): string[] {
  const out: string[] = [...samples];
  const type = column.type.replace(/\(.*\)$/, '');
  const range = INTEGER_RANGES[type];
  switch (column.category) {
    case 'N': {
      const numbers = constants.filter(isNumberText);
      out.push(...numbers, ...numbers.flatMap(neighbours), '0', '1', '-1');
      if (range) out.push(String(range[0]), String(range[1]));
      else out.push('0.5', '-0.5', 'NaN', 'Infinity', '-Infinity');
      break;
    }
    case 'S':
      out.push(...constants, ...constants.map((c) => `${c}x`), ...constants.map((c) => c.slice(0, -1)),
        ...constants.map((c) => c.toUpperCase()), ...constants.map((c) => c.toLowerCase()), '', ' ', 'x');
      break;
    case 'B':
      out.push('true', 'false');
      break;
    case 'D':
      out.push(...constants.filter((c) => /^\s*(\d|[-+]?infinity|epoch|now|today)/i.test(c)), 'infinity', '-infinity', 'epoch', '2000-01-01');
      break;
    case 'E':
      out.push(...column.labels);
      break;
    case 'A':
      out.push('{}', ...constants.filter((c) => c.trim().startsWith('{')));
      break;
    default:
      out.push(...constants);
  }
  // Integers: only whole numbers within the type, so a round's cast does not fail on its pool.
  const fits = range ? (text: string) => /^\s*[-+]?\d+\s*$/.test(text) && BigInt(text.trim()) >= range[0] && BigInt(text.trim()) <= range[1] : () => true;
  return [...new Set(out)].filter(fits);
}

/** A column's pool: its valid values (as the server spells them) and whether NULL is among them. */
export interface Pool { values: string[]; nullable: boolean }

/**
 * Whether a column may be NULL in generated rows: unless NOT NULL, or the query tests this table's
 * column for NULL (`nullTested`: its columns sql/null-tested-columns.ts attributes a test to; the
 * constraint is then what is asserted). Never for a test of another column of the name: a NULL no
 * server holds would change the answer for nothing in the data.
 */
export const mayBeNull = (column: WitnessColumn, nullTested: ReadonlySet<string>): boolean => !column.notNull || nullTested.has(column.name);

/** A deterministic generator of numbers in [0, 1) (mulberry32), so every run tries the same rounds. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One table's rows in one round: the distinct rows, and how many times each is repeated. */
export interface TableRows { rows: (string | null)[][]; repeat: number }

/** The most rows one table is given in a round. */
export const MAX_TABLE_ROWS = 10_001;

/** Rounds of contents drawn from the pools (round 0: every table empty). */
export const BASE_ROUNDS = 24;
/** Rounds tried for each row count from rowCountsOf, and the most counts tried. */
const ROUNDS_PER_COUNT = 3;
const MAX_COUNTS = 8;

/**
 * Row counts worth trying: the query's whole-number constants and their neighbours (`count(*) = 5`,
 * `having sum(1) > 1000`), and `atLeast` (max_rows + 1), each from 2 to MAX_TABLE_ROWS.
 */
export function rowCountsOf(constants: readonly string[], atLeast = 0): number[] {
  const counts = constants.filter((c) => /^\s*\d+\s*$/.test(c)).flatMap((c) => [Number(c) - 1, Number(c), Number(c) + 1]);
  const kept = [...new Set(counts)].filter((n) => n >= 2 && n <= MAX_TABLE_ROWS).sort((a, b) => a - b);
  // max_rows + 1 first: the one count that expectation needs.
  return [...new Set([...(atLeast >= 2 && atLeast <= MAX_TABLE_ROWS ? [atLeast] : []), ...kept])].slice(0, MAX_COUNTS);
}

/** How many rounds are tried with these row counts. */
export const roundsFor = (counts: readonly number[]): number => BASE_ROUNDS + ROUNDS_PER_COUNT * counts.length;

/**
 * Round `round`'s rows for tables of these pools (each table's columns' pools, in order). Round 0
 * leaves every table empty. Odd rounds sweep the pools (six rows each, every column's values taken
 * in turn, so each value is tried); even rounds draw 1–6 rows at random, half of the values from the
 * first few of a pool (sampled values, so a join's keys meet), NULL one time in six where allowed.
 * Rounds past BASE_ROUNDS give each table one row (the pools' first, second, third values) repeated
 * to a count from `counts`.
 */
export function roundRows(round: number, tables: readonly (readonly Pool[])[], counts: readonly number[] = []): TableRows[] {
  if (round === 0) return tables.map(() => ({ rows: [], repeat: 1 }));
  const random = seeded(round * 7919);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const sweep = round < BASE_ROUNDS && round % 2 === 1;
  const repeat = round >= BASE_ROUNDS ? counts[Math.floor((round - BASE_ROUNDS) / ROUNDS_PER_COUNT)] ?? 1 : 1;
  return tables.map((pools) => {
    const count = sweep ? 6 : repeat > 1 ? 1 : 1 + Math.floor(random() * 6);
    const rows = Array.from({ length: count }, (_, j) => pools.map((pool) => {
      if (sweep) {
        const size = pool.values.length + (pool.nullable ? 1 : 0);
        return size === 0 ? null : pool.values[(((round - 1) / 2) * 6 + j) % size] ?? null;
      }
      // A repeated row takes the pools' first values in turn (sampled ones first: a row the query's filter may keep).
      if (repeat > 1) return pool.values.length === 0 ? null : pool.values[((round - BASE_ROUNDS) % ROUNDS_PER_COUNT) % pool.values.length] ?? null;
      if (pool.nullable && (pool.values.length === 0 || random() < 1 / 6)) return null;
      return (random() < 0.5 ? pick(pool.values.slice(0, 3)) : pick(pool.values)) ?? null;
    }));
    return { rows, repeat };
  });
}

const literal = (value: string | null, type: string) => (value === null ? `null::${type}` : `'${value.replaceAll("'", "''")}'::${type}`);

/**
 * The select that stands for a table holding `rows`: the same columns, names and types. A stored
 * generated column is computed by its own expression from the row, as the table would store it.
 */
export function tableRowsSql(columns: readonly WitnessColumn[], { rows, repeat }: TableRows): string {
  const names = columns.map((c) => columnExpression(c.name)).join(', ');
  if (columns.length === 0) return `select from pg_catalog.generate_series(1, ${rows.length * repeat}) as parity_n`;
  const values = (rows.length === 0 ? [columns.map(() => null)] : rows)
    .map((row) => `(${row.map((value, i) => literal(columns[i]!.generated === undefined ? value : null, columns[i]!.type)).join(', ')})`).join(', ');
  const from = `(values ${values}) as parity_w(${names})`;
  const list = columns.some((c) => c.generated !== undefined)
    ? columns.map((c) => (c.generated === undefined ? `parity_w.${columnExpression(c.name)}` : `(${c.generated})::${c.type} as ${columnExpression(c.name)}`)).join(', ')
    : 'parity_w.*';
  if (rows.length === 0) return `select ${list} from ${from} where false`;
  return repeat > 1 ? `select ${list} from ${from} cross join pg_catalog.generate_series(1, ${repeat}) as parity_n` : `select ${list} from ${from}`;
}

/**
 * What stands in a FROM clause for a table holding `rows`: the generated rows cast to the table's
 * own row type and unnested, so a reference to the whole row (`pg_typeof(o)`, `o::text`, a function
 * of the row type) reads a value of that type as the table's row would be — a sub-select's row is an
 * anonymous record, which a query could tell apart from the table's and answer otherwise.
 * `rowType`: the table's row type, schema-qualified and quoted; `around`: the select the generated
 * rows' select is put in, if any (a catalog's: sql/catalog-rows.ts).
 */
export function tableRowsFrom(rowType: string, columns: readonly WitnessColumn[], rows: TableRows, around = (generated: string) => generated): string {
  return `pg_catalog.unnest(array(select parity_r::${rowType} from (${around(tableRowsSql(columns, rows))}) as parity_r))`;
}

/**
 * The TABLESAMPLE clauses in `text` that keep every row (SYSTEM or BERNOULLI of 100 percent), to be
 * cut before the table is replaced by generated rows; `partial`: some other sample (which rows it
 * keeps depends on where they are stored: no generated rows stand in for it).
 */
export function fullSamplesOf(text: string): { spans: Span[]; partial: boolean } {
  const parsed = parseSql(text);
  if (parsed.kind !== 'parsed') return { spans: [], partial: true };
  const spans: Span[] = [];
  let partial = false;
  const tokens = scanSql(text);
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (type !== 'RangeTableSample') return undefined;
    const method = lastName(fields['method']);
    const args = list(fields['args']);
    const at = tokens.findIndex((token) => token.start === fields['location']);
    if ((method !== 'system' && method !== 'bernoulli') || args.length !== 1 || numberOf(args[0]) !== 100 || at < 1) {
      partial = true;
      return undefined;
    }
    let end = closing(tokens, at + 1);
    if (end !== undefined && tokens[end + 1]?.text.toLowerCase() === 'repeatable') end = closing(tokens, end + 2);
    if (end === undefined) partial = true;
    else spans.push({ start: indexOfByte(text, tokens[at - 1]!.start), end: indexOfByte(text, tokens[end]!.end), text: ' ' });
    return undefined;
  });
  return { spans, partial };
}

/** The index of the `)` closing the `(` at `open`, or undefined. */
function closing(tokens: readonly { text: string }[], open: number): number | undefined {
  if (tokens[open]?.text !== '(') return undefined;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    if (tokens[i]!.text === '(') depth++;
    else if (tokens[i]!.text === ')' && --depth === 0) return i;
  }
  return undefined;
}

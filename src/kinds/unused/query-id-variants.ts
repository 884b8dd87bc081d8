/**
 * The ways a pg_stat_statements text may have been run, for recomputing its query id (pure).
 * pg_stat_statements replaces each constant of a statement with `$n`, numbered after the highest
 * parameter the client sent, and its query id hashes a parameter's declared (or inferred) type and
 * a constant's type, so the same text hashes differently by how it reached the server:
 * - a driver that leaves parameter types to the server (postgres.js, node-postgres): `$n` parsed
 *   as parameters, types inferred;
 * - a driver that declares them (JDBC binds strings as varchar and ints as int4/int8, psycopg 3
 *   ints as int2/int4/int8/numeric by value, Npgsql by CLR type, postgres.js a Date as
 *   timestamptz): the same, with declared types;
 * - the simple protocol, or constants written into an extended statement: `$n` stood for a
 *   literal, whose lexical class decides its type (`1` int4, `3000000000` int8, `0.5` numeric,
 *   `'x'` unknown — the same as NULL — and `true` bool).
 * The variants are tried most likely first; the caller caps how many.
 */
import { parseSql, scanSql } from '../../sql/parser.js';
import { walkSqlTree } from '../../sql/tree-walk.js';

/**
 * The `$n` placeholders of a text: the highest number, where each occurrence is (UTF-8 bytes), and
 * those that stand alone as a select-list item (`exists (select $3 …)`), which the server infers as
 * text whatever they were: there the idiom is `select 1`.
 */
export interface Placeholders { count: number; at: readonly { number: number; start: number; end: number }[]; bare?: ReadonlySet<number> }

/** Finds the placeholders with the real lexer (a `$1` inside a string or comment is none). */
export function placeholdersOf(text: string): Placeholders {
  const at = scanSql(text).filter((t) => t.tokenName === 'PARAM').map((t) => ({ number: Number(t.text.slice(1)), start: t.start, end: t.end }));
  const bare = new Set<number>();
  const parsed = parseSql(text);
  if (parsed.kind === 'parsed') {
    walkSqlTree(parsed.tree, ({ type, fields }) => {
      const number = (fields['val'] as { ParamRef?: { number?: unknown } } | undefined)?.ParamRef?.number;
      if (type === 'ResTarget' && typeof number === 'number') bare.add(number);
    });
  }
  return { count: Math.max(0, ...at.map((p) => p.number)), at, bare };
}

/** One way of parsing the text: the text itself (some placeholders replaced by literals) and the parameter types to declare. */
export interface Variant { text: string; types: number[]; label: string }

const INT2 = 21; const INT4 = 23; const INT8 = 20; const NUMERIC = 1700; const FLOAT4 = 700; const FLOAT8 = 701;
const BOOL = 16; const TEXT = 25; const VARCHAR = 1043; const BPCHAR = 1042; const NAME = 19; const CHAR = 18;
const DATE = 1082; const TIMESTAMP = 1114; const TIMESTAMPTZ = 1184;
const NUMBERS = [INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8];
const STRINGS = [TEXT, VARCHAR, BPCHAR, NAME, CHAR];
const TIMES = [TIMESTAMPTZ, TIMESTAMP, DATE];

/**
 * Types a driver may have declared for a parameter the server infers as `inferred`, most likely
 * first; 0 (undeclared) always first. Declaring the inferred type itself hashes as undeclared.
 */
export function declaredTypes(inferred: number | undefined): number[] {
  const family = inferred === undefined ? []
    : NUMBERS.includes(inferred) ? [INT4, INT8, INT2, NUMERIC, FLOAT8]
      // An unconstrained parameter (`select $1`, `coalesce($1, …)`) is inferred as text whatever the client sent.
      : STRINGS.includes(inferred) ? [VARCHAR, TEXT, INT4, INT8, INT2, NUMERIC, FLOAT8, BOOL, TIMESTAMPTZ]
        : TIMES.includes(inferred) ? TIMES : [];
  return [0, ...family.filter((t) => t !== inferred)];
}

/**
 * Literals a constant at a place the server infers as `inferred` may have been, most likely first,
 * one per distinct hash: beside an int4, `1` and NULL both give an int4 constant; beside an int8,
 * NULL and `3000000000` both give an int8 one while `1` gives an int4 and another operator.
 */
export function literalsFor(inferred: number | undefined): string[] {
  switch (inferred) {
    case INT4: return ['1', '3000000000', '0.5'];
    case INT2: return ['1', 'NULL', '3000000000', '0.5'];
    case INT8: return ['1', 'NULL', '0.5'];
    case NUMERIC: return ['NULL', '1', '3000000000'];
    case FLOAT4: case FLOAT8: return ['0.5', '1', 'NULL', '3000000000'];
    case BOOL: return ['NULL'];
    case undefined: return ['NULL', '1', 'true', '0.5', '3000000000'];
    // Before a cast (`$1::oid`) the type is the cast's: the literal was a string (like NULL) or a number.
    default: return STRINGS.includes(inferred) ? ['NULL', '1', 'true', '0.5', '3000000000'] : ['NULL', '1'];
  }
}

/** Literals a placeholder standing alone in a select list may have been, `select 1` first. */
const BARE_LITERALS = ['1', 'NULL', 'true', '0.5', '3000000000'];

/** The text with placeholders numbered above `params` replaced by the literal chosen for each. */
export function withLiterals(text: string, placeholders: Placeholders, params: number, literals: readonly string[]): string {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of [...placeholders.at].sort((a, b) => a.start - b.start)) {
    if (p.number <= params) continue;
    parts.push(bytes.subarray(from, p.start), Buffer.from(literals[p.number - params - 1] ?? 'NULL', 'utf8'));
    from = p.end;
  }
  parts.push(bytes.subarray(from));
  return Buffer.concat(parts).toString('utf8');
}

/** Every choice of one index per list whose indices add up to `sum`, in order. */
function* choicesSumming(lengths: readonly number[], sum: number, from = 0): Generator<number[]> {
  if (from === lengths.length) {
    if (sum === 0) yield [];
    return;
  }
  for (let i = 0; i < Math.min(lengths[from]!, sum + 1); i++) {
    for (const rest of choicesSumming(lengths, sum - i, from + 1)) yield [i, ...rest];
  }
}

/**
 * The variants of a text, most likely first, undeclared and declared parameters in turn; within
 * each, by how far each placeholder's choice is down its list and, at the same distance, all placeholders parameters (a driver), then all literals (the simple
 * protocol), then the first n−1 … 1 parameters and the rest literals (constants are numbered after
 * parameters), each mixed split one step further down. `inferred` holds the types the server
 * inferred with every placeholder a parameter (undefined where that parse failed). The
 * all-undeclared variant comes first.
 */
export function* queryIdVariants(text: string, placeholders: Placeholders, inferred: readonly number[] | undefined): Generator<Variant> {
  const n = placeholders.count;
  if (n === 0) {
    yield { text, types: [], label: 'as recorded' };
    return;
  }
  const splits = [n, 0, ...Array.from({ length: n - 1 }, (_, i) => n - 1 - i)];
  const penalty = (s: number) => (s < 2 ? 0 : s - 1);
  const lists = splits.map((params) => Array.from({ length: n }, (_, i) => (i < params
    ? declaredTypes(inferred?.[i]).map((t) => ({ type: t, literal: undefined }))
    : (placeholders.bare?.has(i + 1) ? BARE_LITERALS : literalsFor(inferred?.[i])).map((l) => ({ type: undefined, literal: l })))));
  // Undeclared parameters (most drivers leave types to the server) and declared ones are tried in
  // turn, each family in its own order: one list would let the many declared types of a few
  // parameters push the literal choices of a mixed split past any cap, or the other way round.
  const families = [family(false), family(true)];
  while (families.length > 0) {
    for (let i = 0; i < families.length; i++) {
      const next = families[i]!.next();
      if (next.done) families.splice(i--, 1);
      else yield next.value;
    }
  }
  function* family(declared: boolean): Generator<Variant> {
    const shown = lists.map((list, s) => list.map((choices, i) => (!declared && i < splits[s]! ? choices.slice(0, 1) : choices)));
    const most = Math.max(...shown.map((list, s) => penalty(s) + list.reduce((sum, l) => sum + l.length - 1, 0)));
    for (let rank = 0; rank <= most; rank++) {
      for (const [s, params] of splits.entries()) {
        if (penalty(s) > rank) break;
        const list = shown[s]!;
        for (const choice of choicesSumming(list.map((l) => l.length), rank - penalty(s))) {
          // Those with every parameter undeclared are the other family's.
          if (declared && choice.slice(0, params).every((c) => c === 0)) continue;
          const picked = choice.map((c, i) => list[i]![c]!);
          const types = picked.slice(0, params).map((p) => p.type ?? 0);
          const literals = picked.slice(params).map((p) => p.literal ?? 'NULL');
          yield {
            text: withLiterals(text, placeholders, params, literals),
            types,
            label: params === n ? `parameters typed (${types.join(', ')})` : params === 0 ? `literals (${literals.join(', ')})` : `${params} parameters typed (${types.join(', ')}), then literals (${literals.join(', ')})`,
          };
        }
      }
    }
  }
}

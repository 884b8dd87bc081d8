/**
 * What a PL/pgSQL trigger function does to one column of NEW, read from the real PL/pgSQL parser's
 * tree (libpg-query), never from the function's text: a comment, a string literal, an `IF`, an
 * early `RETURN`, a later `NEW := OLD` or an assignment of an old value all fooled a text search.
 *
 * The question incremental verification asks is narrow: is the column set to the current time on
 * every call that goes on to write the row? Only a shape parity can prove counts as "yes":
 * exactly one assignment `NEW.<column> := <current time>` anywhere in the function, reached by
 * straight-line code from the function's start (no `RETURN`, labelled `EXIT` or exception handler
 * that could leave before it), and nothing else in the function able to write NEW or that column
 * (`NEW := …`, `SELECT … INTO NEW…`, loop variables, `GET DIAGNOSTICS`, `FETCH`, `CALL` targets),
 * and every `RETURN` returns NEW, OLD or NULL (a trigger writes the row it returns), with nothing
 * assigning OLD (a changed OLD returned is a changed row that keeps its old stamp).
 * Anything the walk does not understand counts as a possible write: the answer is "cannot tell",
 * which refuses the mode — the check file can still say `trust_column: true`.
 */
import { parsePlpgsql, parseSql, scanSql, indexOfByte } from '../sql/parser.js';

/** The verdict on one trigger function for one column. */
export interface ColumnWrites {
  /** Every call that returns NEW has set the column to the current time (unconditional single assignment). */
  stampsColumn: boolean;
  /** The function may write NEW as a whole or this column other than by that one stamp (or cannot be read). */
  mayOverwrite: boolean;
  /** Why, in words, when it does not stamp. */
  reason: string;
}

type Node = Record<string, unknown>;
const asNode = (value: unknown): Node | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Node : undefined);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** The one key of a libpg-query node object ({ PLpgSQL_stmt_assign: {...} }) and its body. */
function tagged(value: unknown): [string, Node] | undefined {
  const node = asNode(value);
  if (!node) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const body = asNode(node[keys[0]!]);
  return body ? [keys[0]!, body] : undefined;
}
// The parser's JSON leaves out fields whose value is 0: a missing datum number is datum 0.
const numberOf = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** Statements whose target is a datum, read here; any other statement that can assign a variable makes the function opaque. */
const OPAQUE_WRITERS = new Set([
  'PLpgSQL_stmt_fori', 'PLpgSQL_stmt_fors', 'PLpgSQL_stmt_forc', 'PLpgSQL_stmt_dynfors', 'PLpgSQL_stmt_foreach_a',
  'PLpgSQL_stmt_getdiag', 'PLpgSQL_stmt_fetch', 'PLpgSQL_stmt_call', 'PLpgSQL_stmt_open',
]);
/** Statements that only read (expressions) or raise: they write no variable. */
const READERS = new Set([
  'PLpgSQL_stmt_return', 'PLpgSQL_stmt_raise', 'PLpgSQL_stmt_assert', 'PLpgSQL_stmt_perform', 'PLpgSQL_stmt_close',
  'PLpgSQL_stmt_exit', 'PLpgSQL_stmt_if', 'PLpgSQL_stmt_case', 'PLpgSQL_stmt_loop', 'PLpgSQL_stmt_while', 'PLpgSQL_stmt_block',
  'PLpgSQL_stmt_execsql', 'PLpgSQL_stmt_dynexecute', 'PLpgSQL_stmt_commit', 'PLpgSQL_stmt_rollback',
]);

/** The built-in functions whose value is the current time, as timestamptz. */
const CURRENT_TIME_FUNCTIONS = new Set(['now', 'clock_timestamp', 'statement_timestamp', 'transaction_timestamp']);
/** Their names, for the catalog question whether another schema shadows one (search_path). */
export const CURRENT_TIME_FUNCTION_NAMES: readonly string[] = [...CURRENT_TIME_FUNCTIONS];

/**
 * Is this expression (a raw parse tree node) the current time: one of those calls with no
 * arguments (bare or pg_catalog-qualified), CURRENT_TIMESTAMP without a precision (a precision
 * rounds, possibly into the past), optionally cast to timestamptz?
 */
export function isCurrentTimeExpression(value: unknown): boolean {
  const node = tagged(value);
  if (!node) return false;
  const [tag, body] = node;
  if (tag === 'SQLValueFunction') return body.op === 'SVFOP_CURRENT_TIMESTAMP';
  if (tag === 'TypeCast') {
    const names = listOf(asNode(body.typeName)?.names).map((n) => asNode(asNode(n)?.String)?.sval);
    const last = names.at(-1);
    const schemaOk = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog');
    return schemaOk && last === 'timestamptz' && numberOf(asNode(body.typeName)?.typemod) <= 0 && asNode(body.typeName)?.arrayBounds === undefined
      && isCurrentTimeExpression(body.arg);
  }
  if (tag !== 'FuncCall') return false;
  const names = listOf(body.funcname).map((n) => asNode(asNode(n)?.String)?.sval);
  const name = names.at(-1);
  const schemaOk = names.length === 1 || (names.length === 2 && names[0] === 'pg_catalog');
  const plain = body.args === undefined && body.agg_order === undefined && body.agg_filter === undefined && body.over === undefined
    && body.agg_star !== true && body.agg_distinct !== true && body.func_variadic !== true;
  return schemaOk && plain && typeof name === 'string' && CURRENT_TIME_FUNCTIONS.has(name);
}

/** A column DEFAULT (pg_get_expr text) is the current time. */
export function isCurrentTimeDefault(expression: string): boolean {
  const parsed = parseSql(`select ${expression}`);
  const statements = parsed.kind === 'parsed' ? parsed.tree.stmts ?? [] : [];
  if (statements.length !== 1) return false;
  const select = asNode(asNode(statements[0]?.stmt)?.SelectStmt);
  // Only `select <expression>`: a FROM, WHERE, LIMIT… (`NEW.col := now() FROM t WHERE false` assigns NULL) is not the current time.
  const bare = select !== undefined && Object.entries(select).every(([key, v]) => key === 'targetList'
    || (key === 'limitOption' && v === 'LIMIT_OPTION_DEFAULT') || (key === 'op' && v === 'SETOP_NONE'));
  const targets = listOf(select?.targetList);
  return bare && targets.length === 1 && isCurrentTimeExpression(asNode(asNode(targets[0])?.ResTarget)?.val);
}

/** The right-hand side of an assignment's text (`NEW.col := now()`) when its target is exactly `<name>.<name>`. */
function assignedExpression(query: string): string | undefined {
  const tokens = scanSql(query);
  const at = tokens.findIndex((t) => t.text === ':=' || t.text === '=');
  if (at !== 3 || tokens[1]?.text !== '.') return undefined;
  return query.slice(indexOfByte(query, tokens[at]!.end));
}

/**
 * Reads a trigger function's definition (`pg_get_functiondef` text of a plpgsql function) for its
 * writes of NEW.<column>. Never throws: an unreadable function is `mayOverwrite`, not stamping.
 */
export function columnWritesOf(definition: string, column: string): ColumnWrites {
  const opaque = (reason: string): ColumnWrites => ({ stampsColumn: false, mayOverwrite: true, reason });
  let tree: unknown;
  try {
    tree = parsePlpgsql(definition);
  } catch (error) {
    return opaque(`its body could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  const functions = listOf(asNode(tree)?.plpgsql_funcs);
  const fn = asNode(asNode(functions[0])?.PLpgSQL_function);
  if (functions.length !== 1 || !fn) return opaque('its body could not be read');
  const datums = listOf(fn.datums);
  const newVarno = numberOf(fn.new_varno);
  const datum = (index: number) => tagged(datums[index]);
  const isNewRow = (index: number) => index === newVarno && datum(index)?.[0] === 'PLpgSQL_rec';
  const isNewColumn = (index: number) => {
    const d = datum(index);
    return d?.[0] === 'PLpgSQL_recfield' && numberOf(d[1].recparentno) === newVarno && d[1].fieldname === column;
  };
  const writesNew = (index: number) => isNewRow(index) || isNewColumn(index);
  // A BEFORE trigger writes the row it returns, and RETURN OLD is allowed (an UPDATE that writes the
  // row as it was needs no stamp) — but only while OLD is as it was: a changed OLD returned is a
  // changed row under the old stamp.
  const oldVarno = numberOf(fn.old_varno);
  const writesOld = (index: number) => {
    const d = datum(index);
    return (index === oldVarno && d?.[0] === 'PLpgSQL_rec') || (d?.[0] === 'PLpgSQL_recfield' && numberOf(d[1].recparentno) === oldVarno);
  };

  // Every place that can write a datum, judged; the stamp candidates kept by identity.
  const stamps: Node[] = [];
  let otherWrite: string | undefined;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    const node = tagged(value);
    if (!node) {
      const plain = asNode(value);
      if (plain) Object.values(plain).forEach(visit);
      return;
    }
    const [tag, body] = node;
    if (tag.startsWith('PLpgSQL_stmt_')) {
      if (OPAQUE_WRITERS.has(tag)) otherWrite ??= `a ${tag.slice('PLpgSQL_stmt_'.length)} statement (line ${numberOf(body.lineno)}) assigns variables parity does not follow`;
      else if (!READERS.has(tag) && tag !== 'PLpgSQL_stmt_assign') otherWrite ??= `a ${tag.slice('PLpgSQL_stmt_'.length)} statement (line ${numberOf(body.lineno)}) parity does not know`;
      if (tag === 'PLpgSQL_stmt_assign') {
        const varno = numberOf(body.varno);
        if (isNewRow(varno)) otherWrite ??= `line ${numberOf(body.lineno)} replaces NEW as a whole`;
        else if (isNewColumn(varno)) stamps.push(body);
        else if (writesOld(varno)) otherWrite ??= `line ${numberOf(body.lineno)} assigns OLD, which a trigger may return as the row written`;
      }
      // The row written is the one returned: another record (`r := NEW; r.<column> := …; RETURN r`) escapes every check above.
      if (tag === 'PLpgSQL_stmt_return') {
        const expression = asNode(asNode(body.expr)?.PLpgSQL_expr)?.query;
        const returned = numberOf(body.retvarno);
        const fine = expression === undefined ? returned === newVarno || returned === numberOf(fn.old_varno)
          : typeof expression === 'string' && expression.trim().toLowerCase() === 'null';
        if (!fine) otherWrite ??= `line ${numberOf(body.lineno)} returns a row other than NEW, OLD or NULL`;
      }
      if (tag === 'PLpgSQL_stmt_return_next' || tag === 'PLpgSQL_stmt_return_query') otherWrite ??= `a ${tag.slice('PLpgSQL_stmt_'.length)} statement`;
      if ((tag === 'PLpgSQL_stmt_execsql' || tag === 'PLpgSQL_stmt_dynexecute') && body.into === true) {
        const target = tagged(body.target);
        const written = target?.[0] === 'PLpgSQL_row' ? listOf(target[1].fields).map((f) => numberOf(asNode(f)?.varno))
          : target ? [numberOf(target[1].dno)] : [newVarno];
        if (written.some(writesNew)) otherWrite ??= `line ${numberOf(body.lineno)} selects INTO NEW or NEW.${column}`;
        if (written.some(writesOld)) otherWrite ??= `line ${numberOf(body.lineno)} selects INTO OLD, which a trigger may return as the row written`;
      }
    }
    Object.values(body).forEach(visit);
  };
  visit(fn.action);
  if (otherWrite !== undefined) return opaque(otherWrite);
  if (stamps.length === 0) return { stampsColumn: false, mayOverwrite: false, reason: `it does not assign NEW.${column}` };
  if (stamps.length > 1) return opaque(`it assigns NEW.${column} ${stamps.length} times`);
  const stamp = stamps[0]!;
  const query = asNode(asNode(stamp.expr)?.PLpgSQL_expr)?.query;
  const expression = typeof query === 'string' ? assignedExpression(query) : undefined;
  if (expression === undefined || !isCurrentTimeDefault(expression)) {
    return opaque(`line ${numberOf(stamp.lineno)} sets NEW.${column} to something other than the current time (${String(query)})`);
  }
  if (!reachedUnconditionally(fn.action, stamp)) {
    return opaque(`the assignment of NEW.${column} (line ${numberOf(stamp.lineno)}) is not reached on every call (inside a condition, loop or exception block, or after a RETURN/EXIT)`);
  }
  return { stampsColumn: true, mayOverwrite: false, reason: `sets NEW.${column} to the current time on every call` };
}

/** Does any node under `value` have one of these tags (a RETURN, a labelled EXIT/CONTINUE)? */
function canLeave(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(canLeave);
  const node = tagged(value);
  if (!node) {
    const plain = asNode(value);
    return plain ? Object.values(plain).some(canLeave) : false;
  }
  const [tag, body] = node;
  if (tag === 'PLpgSQL_stmt_return' || tag === 'PLpgSQL_stmt_return_next' || tag === 'PLpgSQL_stmt_return_query') return true;
  if (tag === 'PLpgSQL_stmt_exit' && body.label !== undefined) return true;
  return Object.values(body).some(canLeave);
}

/**
 * Is `target` on the straight line from the function's start: reached through plain blocks
 * (no exception handler, which could resume after the block without it) past statements that
 * cannot leave the function or the block early?
 */
function reachedUnconditionally(action: unknown, target: Node): boolean {
  const walk = (statements: unknown[]): 'reached' | 'continue' | 'stop' => {
    for (const statement of statements) {
      const node = tagged(statement);
      if (!node) return 'stop';
      const [tag, body] = node;
      if (body === target) return 'reached';
      if (tag === 'PLpgSQL_stmt_block' && body.exceptions === undefined) {
        const inner = walk(listOf(body.body));
        if (inner !== 'continue') return inner;
        continue;
      }
      if (canLeave(statement)) return 'stop';
    }
    return 'continue';
  };
  return walk([action]) === 'reached';
}

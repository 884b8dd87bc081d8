/**
 * Does an operator expression depend on the row alone? Incremental verification re-reads only rows
 * whose maintained column moved since the last pass, so a row's compared values, and whether it is
 * in scope at all, must change only when the row is written. They change without a write when the
 * expression reads
 * - the clock: `created_at < now() - interval '1 hour'` brings a row into scope an hour after its
 *   last write, and no pass re-reads it then (CURRENT_DATE, the literal 'now' or 'today', age(x));
 * - other rows or tables: a subquery;
 * - the catalog, the session or a setting parity does not pin: current_setting, has_*_privilege,
 *   to_regclass, a cast to regclass, to_char's lc_time.
 * Judged on the parse tree, like read-only-rules.ts; pure once the parser is loaded.
 */
import { dependsOnArgumentsAlone } from './stable-builtins.js';
import { indexOfByte, parseSql } from './parser.js';
import { stringNodeValue, walkSqlTree } from './tree-walk.js';
import type { SqlProblem } from './read-only-guard.js';

/** Date and time input words whose value is the moment they are read. */
const RELATIVE_TIME_WORDS = new Set(['now', 'today', 'tomorrow', 'yesterday']);

/** The catalog-lookup types: their values are names resolved in the catalog as it is when read. */
const CATALOG_TYPES = new Set(['regclass', 'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure', 'regrole', 'regtype']);

const WHY = 'incremental runs re-read only rows whose column changed, so this must depend on the row alone';

/** `SVFOP_CURRENT_TIMESTAMP_N` → `CURRENT_TIMESTAMP`. */
function valueFunctionName(op: unknown): string {
  return typeof op === 'string' ? op.replace(/^SVFOP_/, '').replace(/_N$/, '') : 'a SQL value function';
}

/** Why a called name makes the value change without the row, or undefined. */
function callReason(name: string | undefined, via = ''): string | undefined {
  if (name === undefined || dependsOnArgumentsAlone(name)) return undefined;
  return `calls ${name}()${via}, whose value can change while the row does not (it may read the clock, the catalog, the session or a setting parity does not pin); ${WHY}`;
}

/** Every reason the expression `text` (as parity embeds it, `(<text>)`) reads more than its row; empty when it does not. */
export function rowLocalProblems(text: string): SqlProblem[] {
  const prefix = 'SELECT (';
  const wrapped = `${prefix}${text})`;
  const parsed = parseSql(wrapped);
  // A text that does not parse is refused by the expression rules already.
  if (parsed.kind !== 'parsed') return [];
  const problems: SqlProblem[] = [];
  const add = (message: string, location: unknown) => {
    const offset = typeof location === 'number' && location >= 0 ? Math.min(Math.max(indexOfByte(wrapped, location) - prefix.length, 0), text.length) : undefined;
    problems.push(offset === undefined ? { message } : { message, offset });
  };
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    const at = fields['location'];
    if (type === 'SubLink') add(`contains a subquery, which reads other rows or tables whose changes do not touch this row; ${WHY}`, at);
    if (type === 'SQLValueFunction') add(`uses ${valueFunctionName(fields['op'])}, which changes with the clock or the session, not with the row; ${WHY}`, at);
    const funcname = fields['funcname'];
    if (Array.isArray(funcname)) {
      const reason = callReason(stringNodeValue(funcname[funcname.length - 1]));
      if (reason) add(reason, at);
    }
    // x.f and (x).f may be the call f(x).
    if (type === 'ColumnRef' && Array.isArray(fields['fields'])) {
      for (const part of fields['fields'].slice(1)) {
        const reason = callReason(stringNodeValue(part), ' through attribute notation (a column of that name: write it unqualified)');
        if (reason) add(reason, at);
      }
    }
    if (type === 'A_Indirection' && Array.isArray(fields['indirection'])) {
      for (const part of fields['indirection']) {
        const reason = callReason(stringNodeValue(part), ' through attribute notation');
        if (reason) add(reason, undefined);
      }
    }
    if (type === 'TypeCast') {
      const names = (fields['typeName'] as { names?: unknown[] } | undefined)?.names ?? [];
      const target = stringNodeValue(names[names.length - 1]);
      if (target !== undefined && CATALOG_TYPES.has(target)) add(`casts to ${target}, a name looked up in the catalog as it is when read; ${WHY}`, at);
    }
    if (type === 'A_Const') {
      const value = (fields['sval'] as { sval?: unknown } | undefined)?.sval;
      if (typeof value === 'string' && RELATIVE_TIME_WORDS.has(value.trim().toLowerCase())) {
        add(`uses the literal '${value}', which as a date or time is the moment the pass runs; ${WHY}`, at);
      }
    }
  });
  return problems;
}

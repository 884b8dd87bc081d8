/**
 * What makes a parsed query not read-only, judged on the whole tree: every node is visited (see
 * tree-walk.ts), so a write or a refused call is found wherever the grammar lets it sit — in a CTE,
 * a lateral subquery, a CASE arm, a range function in FROM, or an argument to another function.
 *
 * Calls are judged against an allow-list, not only the deny list: a READ ONLY transaction lets
 * brin_summarize_range, gin_clean_pending_list, pg_surgery's heap_force_kill or a user function
 * taking advisory locks change the database, and no list of names can cover every extension's or
 * user's function. So operator SQL names only pg_catalog's read-only built-ins, by any notation.
 */
import { isReadOnlyBuiltin, VETTED_VOLATILE } from './builtin-functions.js';
import { isCatalogOperatorName } from './builtin-operators.js';
import { findDeniedFunction } from './deny-list.js';
import { functionRanges, type FunctionRanges } from './function-ranges.js';
import { firstLocation, stringNodeValue, walkSqlTree } from './tree-walk.js';

/** A finding located by a UTF-8 byte offset into the text that was parsed. */
export interface TreeProblem {
  readonly message: string;
  readonly location: number | undefined;
}

const STATEMENT_NAMES: Readonly<Record<string, string>> = {
  InsertStmt: 'INSERT',
  UpdateStmt: 'UPDATE',
  DeleteStmt: 'DELETE',
  MergeStmt: 'MERGE',
  SelectStmt: 'SELECT',
  TransactionStmt: 'transaction control (BEGIN/COMMIT/ROLLBACK/…)',
  VariableSetStmt: 'SET',
  ExplainStmt: 'EXPLAIN',
  CopyStmt: 'COPY',
  CallStmt: 'CALL',
  DoStmt: 'DO',
  CreateTableAsStmt: 'CREATE TABLE AS',
  NotifyStmt: 'NOTIFY',
  LockStmt: 'LOCK',
};

const LOCK_STRENGTHS: Readonly<Record<string, string>> = {
  LCS_FORUPDATE: 'FOR UPDATE',
  LCS_FORNOKEYUPDATE: 'FOR NO KEY UPDATE',
  LCS_FORSHARE: 'FOR SHARE',
  LCS_FORKEYSHARE: 'FOR KEY SHARE',
};

const WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** The SQL name of a statement node type, e.g. `InsertStmt` → `INSERT`. */
export function statementName(type: string | undefined): string {
  if (type === undefined) return 'unknown';
  return STATEMENT_NAMES[type] ?? type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

function denied(name: string, shownAs: string, via: string, location: number | undefined): TreeProblem | undefined {
  const entry = findDeniedFunction(name);
  return entry === undefined ? undefined : { message: `calls ${shownAs}${via} (${entry.reason})`, location };
}

const CATALOG = 'pg_catalog';

const NOT_BUILTIN = `only PostgreSQL's own read-only functions may be called (non-volatile pg_catalog functions, and ${VETTED_VOLATILE.join(', ')}); `
  + 'a READ ONLY transaction does not stop other functions from writing, locking or changing the session. '
  + "Read a function of your own or an extension's through a view the database owner creates";

/** A call to `parts` (schema-qualified or not), judged: denied, outside pg_catalog, or not an allowed built-in. */
function callProblem(parts: (string | undefined)[], location: number | undefined): TreeProblem | undefined {
  const name = parts[parts.length - 1];
  const shown = parts.map((part) => part ?? '?').join('.');
  if (name === undefined) return { message: `calls ${shown}, which cannot be judged`, location };
  const deny = denied(name, shown, '', location);
  if (deny !== undefined) return deny;
  // Any other schema may hold a function of the same name as a built-in (extensions install anywhere).
  const schema = parts.length > 1 ? parts[parts.length - 2] : CATALOG;
  if (schema !== CATALOG || !isReadOnlyBuiltin(name)) return { message: `calls ${shown} (${NOT_BUILTIN})`, location };
  return undefined;
}

function attributeCall(name: string | undefined, location: number | undefined): TreeProblem | undefined {
  // Postgres reads x.f as f(x) when x has no column f — even for scalars: ('/etc/passwd'::text).pg_read_file.
  if (name === undefined) return undefined;
  return denied(name, name, ' through attribute notation (x.f means f(x))', location);
}

/**
 * `(expr).name`: a field of a composite value, or the call name(expr) when it has none — parity
 * cannot tell which without the server's catalog, and ('t'::regclass).pg_truncate_visibility_map
 * is a call to any one-argument function. Only a name that would be an allowed call may follow.
 */
function fieldOrCall(name: string | undefined, location: number | undefined): TreeProblem | undefined {
  if (name === undefined) return undefined;
  const deny = attributeCall(name, location);
  if (deny !== undefined) return deny;
  if (isReadOnlyBuiltin(name)) return undefined;
  return { message: `selects .${name} from an expression, which Postgres reads as the call ${name}(…) when there is no such field (${NOT_BUILTIN}; read a field as to_jsonb(x)->>'${name}')`, location };
}

/** `alias.name` where `alias` is a function in FROM: a declared column, or else a call name(alias) that must be allowed. */
function functionColumn(parts: (string | undefined)[], ranges: FunctionRanges, location: number | undefined): TreeProblem | undefined {
  const name = parts[parts.length - 1];
  const qualifier = parts[parts.length - 2];
  const declared = qualifier === undefined ? undefined : ranges.get(qualifier);
  if (name === undefined || declared === undefined || declared.has(name) || isReadOnlyBuiltin(name)) return undefined;
  return {
    message: `reads ${qualifier}.${name}, but ${qualifier} is a function in FROM with no declared column ${name}, so Postgres may read it as the call ${name}(${qualifier}) (${NOT_BUILTIN}; declare the function's columns in its alias: as ${qualifier}(${name}, …))`,
    location,
  };
}

/**
 * An operator named with a schema (`OPERATOR(app.=)`) outside pg_catalog runs whatever function
 * that schema binds to it, and so does an unqualified operator whose name pg_catalog has none of
 * (`'a' ### 'b'`): only a user's or an extension's operator can answer to it.
 */
function operatorProblem(name: unknown, location: number | undefined): TreeProblem | undefined {
  if (!Array.isArray(name) || name.length === 0) return undefined;
  const parts = name.map(stringNodeValue);
  if (parts.length === 1) {
    if (parts[0] !== undefined && isCatalogOperatorName(parts[0])) return undefined;
    return { message: `uses the operator ${parts[0] ?? '?'}, which pg_catalog does not define (it would run the function a user or an extension bound to it; ${NOT_BUILTIN})`, location };
  }
  if (parts[parts.length - 2] === CATALOG) return undefined;
  return { message: `uses the operator ${parts.map((part) => part ?? '?').join('.')} (only pg_catalog's operators may be named with a schema; ${NOT_BUILTIN})`, location };
}

/** TABLESAMPLE methods are functions too; the built-in ones are `system` and `bernoulli`. */
function samplingProblem(method: unknown, location: number | undefined): TreeProblem | undefined {
  const parts = Array.isArray(method) ? method.map(stringNodeValue) : [];
  const name = parts[parts.length - 1];
  const schema = parts.length > 1 ? parts[parts.length - 2] : CATALOG;
  if (schema === CATALOG && (name === 'system' || name === 'bernoulli')) return undefined;
  return { message: `samples with ${parts.map((part) => part ?? '?').join('.')} (only the built-in TABLESAMPLE methods system and bernoulli may be used)`, location };
}

/**
 * Every reason the tree under `tree` is not a read-only, deny-list-clean query, in document order;
 * positional parameters are allowed only at `parameterLocations` (where parity itself binds one).
 */
export function readOnlyViolations(tree: unknown, parameterLocations: ReadonlySet<number> = new Set()): TreeProblem[] {
  const found: TreeProblem[] = [];
  const ranges = functionRanges(tree);
  const add = (problem: TreeProblem | undefined): void => {
    if (problem !== undefined) found.push(problem);
  };
  walkSqlTree(tree, ({ type, fields }) => {
    // Any statement other than SELECT nested in a query: a data-modifying CTE, or something newer.
    if (type !== undefined && type.endsWith('Stmt') && type !== 'SelectStmt') {
      const why = WRITES.has(type) ? 'writes data' : 'only a read-only SELECT is allowed';
      const name = statementName(type);
      add({ message: `contains ${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} statement (${why})`, location: firstLocation(fields) });
    }
    if (fields['intoClause'] !== undefined) {
      add({ message: 'uses SELECT INTO (creates a table)', location: firstLocation(fields['intoClause']) });
    }
    const locking = fields['lockingClause'];
    if (Array.isArray(locking)) {
      for (const clause of locking) {
        const strength = (clause as { LockingClause?: { strength?: string } }).LockingClause?.strength ?? '';
        const name = LOCK_STRENGTHS[strength] ?? 'a locking clause';
        add({ message: `locks rows with ${name} (a read-only check must not take row locks)`, location: firstLocation(fields) });
      }
    }
    // Shape, not tag: a call is anything with a funcname, tagged FuncCall or a typed field such as CallStmt.funccall.
    const funcname = fields['funcname'];
    if (Array.isArray(funcname)) {
      const location = typeof fields['location'] === 'number' ? fields['location'] : firstLocation(fields);
      add(callProblem(funcname.map(stringNodeValue), location));
    }
    const at = typeof fields['location'] === 'number' ? fields['location'] : undefined;
    if (type === 'A_Expr') add(operatorProblem(fields['name'], at));
    if (type === 'SubLink') add(operatorProblem(fields['operName'], at));
    if (type === 'SortBy') add(operatorProblem(fields['useOp'], at));
    if (type === 'RangeTableSample') add(samplingProblem(fields['method'], at));
    if (type === 'ColumnRef' && Array.isArray(fields['fields'])) {
      const location = typeof fields['location'] === 'number' ? fields['location'] : undefined;
      // The first name is a column or a table alias; any later one may be a function applied to it.
      for (const part of fields['fields'].slice(1)) add(attributeCall(stringNodeValue(part), location));
      if (fields['fields'].length >= 2) add(functionColumn(fields['fields'].map(stringNodeValue), ranges, location));
    }
    if (type === 'A_Indirection' && Array.isArray(fields['indirection'])) {
      for (const part of fields['indirection']) add(fieldOrCall(stringNodeValue(part), firstLocation(fields['arg'])));
    }
    if (type === 'ParamRef') {
      const number = typeof fields['number'] === 'number' ? `$${fields['number']}` : 'a positional parameter';
      const location = typeof fields['location'] === 'number' ? fields['location'] : undefined;
      if (location !== undefined && parameterLocations.has(location)) return;
      add({ message: `uses ${number} (it would bind to a value parity supplies, not one the check file chose)`, location });
    }
  });
  return found;
}

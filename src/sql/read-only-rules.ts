/**
 * What makes a parsed query not read-only, judged on the whole tree: every node is visited (see
 * tree-walk.ts), so a write or a denied call is found wherever the grammar lets it sit — in a CTE,
 * a lateral subquery, a CASE arm, a range function in FROM, or an argument to another function.
 */
import { findDeniedFunction } from './deny-list.js';
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

function attributeCall(name: string | undefined, location: number | undefined): TreeProblem | undefined {
  // Postgres reads x.f as f(x) when x has no column f — even for scalars: ('/etc/passwd'::text).pg_read_file.
  if (name === undefined) return undefined;
  return denied(name, name, ' through attribute notation (x.f means f(x))', location);
}

/**
 * Every reason the tree under `tree` is not a read-only, deny-list-clean query, in document order;
 * positional parameters are allowed only at `parameterLocations` (where parity itself binds one).
 */
export function readOnlyViolations(tree: unknown, parameterLocations: ReadonlySet<number> = new Set()): TreeProblem[] {
  const found: TreeProblem[] = [];
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
      const parts = funcname.map(stringNodeValue);
      const last = parts[parts.length - 1];
      const location = typeof fields['location'] === 'number' ? fields['location'] : firstLocation(fields);
      if (last !== undefined) add(denied(last, parts.map((part) => part ?? '?').join('.'), '', location));
    }
    if (type === 'ColumnRef' && Array.isArray(fields['fields'])) {
      const location = typeof fields['location'] === 'number' ? fields['location'] : undefined;
      // The first name is a column or a table alias; any later one may be a function applied to it.
      for (const part of fields['fields'].slice(1)) add(attributeCall(stringNodeValue(part), location));
    }
    if (type === 'A_Indirection' && Array.isArray(fields['indirection'])) {
      for (const part of fields['indirection']) add(attributeCall(stringNodeValue(part), firstLocation(fields['arg'])));
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

/**
 * A generic walk over libpg-query parse trees. It does not know which node types hold children:
 * it descends into every object and array, so a node type added in a later Postgres release
 * cannot hide a function call or a sub-statement from a check built on it.
 */

/** One object in a parse tree, as the walker hands it out. */
export interface SqlTreeNode {
  /** The node tag (`'FuncCall'`) when the object was tagged; `undefined` for typed fields such as `InsertStmt.relation`. */
  readonly type: string | undefined;
  /** The node's own fields. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The field of the parent object (or list) this node was found under. */
  readonly key: string | undefined;
}

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A tagged node is `{ Tag: { …fields } }`; field names start lower-case, tags upper-case. */
export function untag(value: Fields): { type: string | undefined; fields: Fields } {
  const keys = Object.keys(value);
  const only = keys[0];
  if (keys.length === 1 && only !== undefined && /^[A-Z]/.test(only)) {
    const inner = value[only];
    if (isObject(inner)) return { type: only, fields: inner };
  }
  return { type: undefined, fields: value };
}

/**
 * Visits every node under `tree` in document order, parents before children; iterative, so deep
 * trees cannot overflow the stack. A visitor that returns `'skip'` is not shown that node's children.
 */
export function walkSqlTree(tree: unknown, visit: (node: SqlTreeNode) => void | 'skip'): void {
  const stack: { value: unknown; key: string | undefined }[] = [{ value: tree, key: undefined }];
  while (stack.length > 0) {
    const { value, key } = stack.pop() as { value: unknown; key: string | undefined };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key });
      continue;
    }
    if (!isObject(value)) continue;
    const { type, fields } = untag(value);
    if (visit({ type, fields, key }) === 'skip') continue;
    const entries = Object.entries(fields);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [childKey, child] = entries[i] as [string, unknown];
      if (typeof child === 'object' && child !== null) stack.push({ value: child, key: childKey });
    }
  }
}

/** The smallest `location` (a UTF-8 byte offset) anywhere under `tree`, or undefined when none is known. */
export function firstLocation(tree: unknown): number | undefined {
  let first: number | undefined;
  walkSqlTree(tree, ({ fields }) => {
    const location = fields['location'];
    if (typeof location === 'number' && location >= 0 && (first === undefined || location < first)) first = location;
  });
  return first;
}

/** The text of a `String` node (`{ String: { sval } }`), or undefined for any other value. */
export function stringNodeValue(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const { type, fields } = untag(value);
  const sval = fields['sval'];
  return type === 'String' && typeof sval === 'string' ? sval : undefined;
}

/**
 * Reads the server's stored expression trees (pg_node_tree text: `{FUNCEXPR :funcid 16390 :args
 * ({VAR …} {CONST …})}`) for one question: which calls the planner may evaluate itself, before a
 * single row is read. eval_const_expressions folds an immutable call whose arguments are all
 * constants, and it runs over every index expression and predicate, CHECK constraint (constraint
 * exclusion), statistics object and partition key of a relation a query reads. A call with a
 * column (a VAR) anywhere under it is never folded: it runs only on the rows it is given.
 */

/** Fields of a node that hold the function or operator it calls, as `f:` or `o:` plus the oid. */
const CALL_FIELDS: Readonly<Record<string, 'f' | 'o'>> = {
  ':funcid': 'f',
  ':opfuncid': 'f',
  ':hashfuncid': 'f',
  ':negfuncid': 'f',
  ':aggfnoid': 'f',
  ':winfnoid': 'f',
  ':opno': 'o',
};

/** Node types whose presence under a call means it depends on a row (or on a value bound later). */
const ROW_DEPENDENT = new Set(['VAR', 'PARAM', 'CASETESTEXPR', 'COERCETODOMAINVALUE']);

/** Tokens of pg_node_tree text: `{`, `}`, `(`, `)` stand alone; a backslash makes the next character plain. */
function* tokens(text: string): Generator<{ text: string; plain: boolean }> {
  let current = '';
  let escaped = false;
  const flush = function* () {
    if (current !== '' || escaped) yield { text: current, plain: escaped };
    current = '';
    escaped = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      current += text[++i];
      escaped = true;
    } else if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      yield* flush();
    } else if (c === '{' || c === '}' || c === '(' || c === ')') {
      yield* flush();
      yield { text: c, plain: false };
    } else {
      current += c;
    }
  }
  yield* flush();
}

interface OpenNode { readonly type: string; rowDependent: boolean; readonly calls: string[] }

/**
 * The functions (`f:oid`) and operators (`o:oid`) called in a subtree that depends on no row, which
 * the planner may therefore evaluate on its own; `undefined` when the text is not a tree this
 * reader understands (the caller then treats every call in it as foldable: fail-closed).
 */
export function foldableCalls(tree: string): Set<string> | undefined {
  const found = new Set<string>();
  const stack: OpenNode[] = [];
  let pendingField: 'f' | 'o' | undefined;
  let expectType = false;
  for (const token of tokens(tree)) {
    if (expectType) {
      stack.push({ type: token.text, rowDependent: false, calls: [] });
      expectType = false;
      continue;
    }
    if (!token.plain && token.text === '{') {
      expectType = true;
      pendingField = undefined;
      continue;
    }
    if (!token.plain && token.text === '}') {
      const node = stack.pop();
      if (node === undefined) return undefined;
      const rowDependent = node.rowDependent || ROW_DEPENDENT.has(node.type);
      if (!rowDependent) for (const call of node.calls) found.add(call);
      const parent = stack.at(-1);
      if (parent !== undefined && rowDependent) parent.rowDependent = true;
      pendingField = undefined;
      continue;
    }
    if (pendingField !== undefined) {
      if (/^[0-9]+$/.test(token.text) && token.text !== '0') stack.at(-1)?.calls.push(`${pendingField}:${token.text}`);
      pendingField = undefined;
      continue;
    }
    if (!token.plain) pendingField = CALL_FIELDS[token.text];
  }
  return stack.length === 0 && !expectType ? found : undefined;
}

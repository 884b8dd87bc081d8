/**
 * Which plan a CTE Scan reads. EXPLAIN names a WITH query's plan `CTE <name>`, and two WITH queries
 * of one statement may share a name (a view's and a sub-select's, two nested views'): looked up by
 * name across the plan, a series' scan was judged by another query's table scan. The server
 * resolves the name by scope, and its plan shows that scope: a WITH query's plan is an InitPlan of
 * the top node of the query level that owns it, so it hangs under an ancestor of every scan of it,
 * and the nearest such ancestor is the innermost WITH of that name. Undefined where that cannot be
 * told — no ancestor holds it, or one holds two of the name (levels merged when the planner removed
 * a sub-query scan) — and the caller refuses.
 */

/** The fields of an EXPLAIN (FORMAT JSON) node read here. */
interface PlanNode {
  'Node Type'?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'CTE Name'?: string;
  Plans?: PlanNode[];
}

/** The plan of the WITH query `scan` reads, found by scope (pure); undefined when it cannot be told. */
export function ctePlanOf<Node extends PlanNode>(scan: Node, parentOf: (node: Node) => Node | undefined): Node | undefined {
  if (scan['Node Type'] !== 'CTE Scan' || typeof scan['CTE Name'] !== 'string') return undefined;
  const name = `CTE ${scan['CTE Name']}`;
  let from = scan;
  for (let at = parentOf(scan); at !== undefined; from = at, at = parentOf(at)) {
    const named = ((at.Plans ?? []) as Node[]).filter((child) => child['Parent Relationship'] === 'InitPlan' && child['Subplan Name'] === name);
    if (named.length > 1) return undefined;
    // A WITH query's own body never reads itself by a CTE Scan (a recursive one reads a WorkTable
    // Scan): from inside it, the name is an outer query's.
    if (named.length === 1 && named[0] !== from) return named[0];
  }
  return undefined;
}

/** Each node's parent in a plan, sub-plans included. */
export function parentsOf<Node extends PlanNode>(root: Node): Map<Node, Node | undefined> {
  const parent = new Map<Node, Node | undefined>([[root, undefined]]);
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const child of (node.Plans ?? []) as Node[]) {
      parent.set(child, node);
      stack.push(child);
    }
  }
  return parent;
}

/** Finds where a value lives in a YAML document, so problems point at the line and column. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export interface Position { line: number; column: number }

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** The deepest node along `path`; when `key` is given and exists under it, that key's position. */
export function positionOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[], key?: string): Position {
  let node: unknown = doc.contents;
  let best: { range?: [number, number, number] | null | undefined } | undefined = node as Node | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(segment));
      if (!pair) break;
      best = (pair.value ?? pair.key) as Node;
      if (pair.value === null || pair.value === undefined) best = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!item) break;
      node = item;
      best = item as Node;
    } else {
      break;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && keyText(p.key) === key);
    if (pair) best = pair.key as Node;
  }
  const offset = best?.range?.[0] ?? 0;
  const pos = counter.linePos(offset);
  return { line: pos.line, column: pos.col };
}

/** Position of a `field: value` pair inside the node at `path`, searching nested maps (for "source: x" references). */
export function positionOfValue(doc: Document, counter: LineCounter, path: readonly PropertyKey[], field: string, value: string): Position | undefined {
  const root = doc.getIn(path, true);
  let found: Node | undefined;
  const visit = (node: unknown) => {
    if (found) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (keyText(pair.key) === field && isScalar(pair.value) && String(pair.value.value) === value) {
          found = pair.value as Node;
          return;
        }
        visit(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  visit(root);
  if (!found?.range) return undefined;
  const pos = counter.linePos(found.range[0]);
  return { line: pos.line, column: pos.col };
}

/** Finds where a value lives in a YAML document, so problems point at the line and column. */
import { isMap, isPair, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node } from 'yaml';

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

/**
 * Where character `offset` of the string value at `path` stands in the file: exact for plain and
 * quoted one-line scalars and for block scalars (`|`, `>` line by line); the value's start where the
 * text was transformed (escapes, folded lines), so the position is never wrong, at worst coarse.
 */
export function positionInValue(doc: Document, counter: LineCounter, source: string, path: readonly PropertyKey[], offset: number): Position | undefined {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return undefined;
  const [start, end] = node.range;
  const value = node.value;
  const raw = source.slice(start, end);
  const at = (index: number) => {
    const pos = counter.linePos(index);
    return { line: pos.line, column: pos.col };
  };
  if (node.type === Scalar.PLAIN && raw === value) return at(start + offset);
  if ((node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE) && raw.slice(1, -1) === value) return at(start + 1 + offset);
  if (node.type === Scalar.BLOCK_LITERAL) {
    // Content lines follow the header line, each with the same indentation stripped.
    const before = value.slice(0, offset);
    const lineIndex = before.split('\n').length - 1;
    const column = offset - (before.lastIndexOf('\n') + 1);
    const lines = raw.split('\n');
    const contentLines = lines.slice(1);
    const indent = /^ */.exec(contentLines.find((l) => l.trim() !== '') ?? '')![0].length;
    const lineStart = start + lines[0]!.length + 1 + contentLines.slice(0, lineIndex).reduce((n, l) => n + l.length + 1, 0);
    if (lineIndex < contentLines.length) return at(lineStart + indent + column);
  }
  return at(start);
}

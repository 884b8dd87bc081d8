/**
 * The project's import graph read from the source text: every relative import (value or type) of
 * every file under src/, resolved to the file it names. Used to prove the layering has no cycles.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

export const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*(['"])(\.{1,2}\/[^'"]+)\1|import\(\s*(['"])(\.{1,2}\/[^'"]+)\3\s*\)/g;

function resolveImport(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** File → the files it imports (paths relative to src/). Unresolvable imports are reported. */
export function importGraph(): { edges: Map<string, Set<string>>; unresolved: string[] } {
  const edges = new Map<string, Set<string>>();
  const unresolved: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = path.relative(SRC, file);
    const targets = new Set<string>();
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[2] ?? match[4]!;
      const target = resolveImport(file, specifier);
      if (target) targets.add(path.relative(SRC, target));
      else unresolved.push(`${from} → ${specifier}`);
    }
    edges.set(from, targets);
  }
  return { edges, unresolved };
}

/**
 * The room a file belongs to: its top-level folder under src/ (`kinds/table-diff/plan.ts` is in
 * `kinds`). Subfolders group a room's files; the rooms are the layers.
 */
export function roomOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? '.' : file.slice(0, slash);
}

/** Strongly connected components with more than one member (or a self-loop): the cycles. */
export function cyclesOf(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    indexOf.set(node, index);
    low.set(node, index++);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || edges.get(node)?.has(node)) cycles.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indexOf.has(node)) visit(node);
  return cycles;
}

/** Folder → folders it imports from, each edge with one example import that makes it. */
export function roomGraph(edges: ReadonlyMap<string, ReadonlySet<string>>): Map<string, Set<string>> {
  const rooms = new Map<string, Set<string>>();
  for (const [from, targets] of edges) {
    const room = rooms.get(roomOf(from)) ?? new Set<string>();
    for (const target of targets) if (roomOf(target) !== roomOf(from)) room.add(roomOf(target));
    rooms.set(roomOf(from), room);
  }
  return rooms;
}

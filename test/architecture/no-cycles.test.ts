import { describe, expect, it } from 'vitest';
import { cyclesOf, importGraph, roomGraph } from './import-graph.js';

describe('the import graph of src/', () => {
  const { edges, unresolved } = importGraph();

  it('resolves every relative import to a file', () => {
    expect(unresolved).toEqual([]);
    expect(edges.size).toBeGreaterThan(100);
  });

  it('has no cycle between files', () => {
    expect(cyclesOf(edges)).toEqual([]);
  });

  it('has no cycle between folders (a folder is a layer: it imports only from layers below it)', () => {
    const rooms = roomGraph(edges);
    const cycles = cyclesOf(rooms);
    // Name the imports that close each cycle, so a failure says what to move.
    const culprits = cycles.map((cycle) => cycle.flatMap((room) => [...edges]
      .filter(([from]) => from.startsWith(`${room}/`) && !from.slice(room.length + 1).includes('/'))
      .flatMap(([from, targets]) => [...targets].filter((t) => cycle.includes(t.slice(0, t.lastIndexOf('/'))) && !t.startsWith(`${room}/`)).map((t) => `${from} → ${t}`))));
    expect(culprits).toEqual([]);
  });

  it('finds a cycle when one exists (the detector itself works)', () => {
    const graph = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])], ['d', new Set(['a'])]]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c']]);
    expect(cyclesOf(new Map([['a', new Set(['a'])]]))).toEqual([['a']]);
  });
});

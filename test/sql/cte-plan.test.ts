import { describe, expect, it } from 'vitest';
import { ctePlanOf, parentsOf } from '../../src/sql/cte-plan.js';

interface Node { 'Node Type': string; 'Parent Relationship'?: string; 'Subplan Name'?: string; 'CTE Name'?: string; Plans?: Node[] }

const cte = (name: string, body: Node): Node => ({ ...body, 'Parent Relationship': 'InitPlan', 'Subplan Name': `CTE ${name}` });
const scanOf = (name: string): Node => ({ 'Node Type': 'CTE Scan', 'Parent Relationship': 'Outer', 'CTE Name': name });
const series = (): Node => ({ 'Node Type': 'Function Scan' });
const table = (): Node => ({ 'Node Type': 'Seq Scan' });
const resolve = (root: Node, scan: Node) => {
  const parents = parentsOf(root);
  return ctePlanOf(scan, (node) => parents.get(node));
};

describe('ctePlanOf', () => {
  it('finds each scan its own WITH query where two share a name, whatever their order in the plan', () => {
    const inner = cte('c', table());
    const innerScan = scanOf('c');
    const outer = cte('c', series());
    const outerScan = scanOf('c');
    const aggregate: Node = { 'Node Type': 'Aggregate', 'Parent Relationship': 'InitPlan', 'Subplan Name': 'InitPlan 2', Plans: [inner, innerScan] };
    const root: Node = { 'Node Type': 'Result', Plans: [aggregate, outer, outerScan] };
    expect(resolve(root, outerScan)).toBe(outer);
    expect(resolve(root, innerScan)).toBe(inner);
  });

  it('reads an outer WITH query of the same name from inside a WITH query body', () => {
    const outer = cte('c', series());
    const bodyScan = scanOf('c');
    const inner = cte('c', { 'Node Type': 'Subquery Scan', Plans: [bodyScan] });
    const sub: Node = { 'Node Type': 'Subquery Scan', 'Parent Relationship': 'Outer', Plans: [inner, scanOf('c')] };
    const root: Node = { 'Node Type': 'Nested Loop', Plans: [outer, sub] };
    expect(resolve(root, bodyScan)).toBe(outer);
    expect(resolve(root, sub.Plans![1]!)).toBe(inner);
  });

  it('tells nothing where one node holds two WITH queries of the name, or none holds it', () => {
    const scan = scanOf('c');
    expect(resolve({ 'Node Type': 'Result', Plans: [cte('c', series()), cte('c', table()), scan] }, scan)).toBeUndefined();
    const lone = scanOf('c');
    expect(resolve({ 'Node Type': 'Result', Plans: [cte('d', series()), lone] }, lone)).toBeUndefined();
    expect(resolve({ 'Node Type': 'Result', Plans: [cte('c', series())] }, { 'Node Type': 'Seq Scan' })).toBeUndefined();
  });
});

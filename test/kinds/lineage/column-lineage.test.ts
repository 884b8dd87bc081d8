import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../../src/sql/parser.js';
import { planLineage, dependsOn } from '../../../src/kinds/lineage/column-lineage.js';

const scan = (alias: string, relation: string, output: string[], extra: Record<string, unknown> = {}) => ({ 'Node Type': 'Seq Scan', 'Relation Name': relation, Schema: 'public', Alias: alias, Output: output, ...extra });
const plan = (root: Record<string, unknown>) => [{ Plan: root }];
const reads = (list: { alias: string; column: string }[] | undefined) => list?.map((r) => `${r.alias}.${r.column}`).sort();

describe('planLineage', () => {
  beforeAll(() => loadSqlParser());

  it('reads each output column down to its scan, through expressions', () => {
    const lineage = planLineage(plan(scan('u', 'users', ['u.id', 'COALESCE(u.name, u.name)', "((u.first_name || ' '::text) || u.last_name)"])), 3)!;
    expect(lineage.outputs.map(reads)).toEqual([['u.id'], ['u.name'], ['u.first_name', 'u.last_name']]);
  });

  it('widens a reference to a union to the same position of every member (printed as the first member)', () => {
    const append = { 'Node Type': 'Append', 'Parent Relationship': 'Inner', Plans: [scan('p', 'p1', ['p.id', 'p.name'], { 'Parent Relationship': 'Member' }), scan('t_1', 't', ['t_1.id', 't_1.email'], { 'Parent Relationship': 'Member' })] };
    const root = { 'Node Type': 'Hash Join', Output: ['p.id', 'p.name'], 'Hash Cond': '(t.id = p.id)', Plans: [scan('t', 't', ['t.id']), { 'Node Type': 'Hash', Output: ['p.id', 'p.name'], Plans: [append] }] };
    expect(reads(planLineage(plan(root), 2)!.outputs[1])).toEqual(['p.name', 't_1.email']);
  });

  it('reads a sub-plan (PostgreSQL 15 and 18 spellings) as everything under it', () => {
    const sub = scan('m', 'users', ['m.name'], { 'Parent Relationship': 'SubPlan', 'Subplan Name': 'SubPlan 1', Filter: '(m.id = u.id)' });
    const init = scan('z', 'users', ['z.email'], { 'Parent Relationship': 'InitPlan', 'Subplan Name': 'InitPlan 2 (returns $0)' });
    const root = scan('u', 'users', ['(SubPlan 1)', '$0', '(ANY (u.name = (hashed SubPlan 1).col1))'], { Plans: [sub, init] });
    const lineage = planLineage(plan(root), 3)!;
    expect(lineage.outputs.map(reads)).toEqual([['m.id', 'm.name', 'u.id'], ['z.email'], ['m.id', 'm.name', 'u.id', 'u.name']]);
  });

  it('cannot tell a window function, a whole row or a VALUES column', () => {
    const root = scan('u', 'users', ['row_number() OVER w1', 'u.*', '"*VALUES*".column1']);
    expect(planLineage(plan(root), 3)!.outputs).toEqual([undefined, undefined, undefined]);
  });

  it('adds the join condition that picks a lookup row, not the rows\' own filter', () => {
    const root = { 'Node Type': 'Hash Join', Output: ['u.id', 'r.label'], 'Hash Cond': '(r.id = u.region_new)', Plans: [scan('u', 'users', ['u.id', 'u.region_new'], { Filter: '(u.id = ANY ($1))' }), scan('r', 'regions', ['r.id', 'r.label'])] };
    const lineage = planLineage(plan(root), 2)!;
    expect(reads(dependsOn(lineage, lineage.outputs[1], new Set(['u'])))).toEqual(['r.id', 'r.label', 'u.region_new']);
  });
});

/** Pure parts of the plan reach: how a side's plan reduces to arms, and which arms two sides share. */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { notNullQuestions, planArms, sharedArms, type PlanArm } from '../../src/introspect/plan-reach.js';
import { loadSqlParser } from '../../src/sql/parser.js';

type Node = Record<string, unknown>;
const plan = (root: Node) => [{ Plan: root }];
const scan = (alias: string, fields: Node = {}): Node => ({
  'Node Type': 'Seq Scan', 'Relation Name': 'users', Schema: 'public', Alias: alias, 'Startup Cost': 0, 'Total Cost': 1,
  Output: [`${alias}.id`, `${alias}.name`], ...fields,
});
const member = (node: Node): Node => ({ ...node, 'Parent Relationship': 'Member' });
const keyOf = (root: Node, notNull?: Set<string>) => planArms(plan(root), notNull).map((arm) => arm.key);

beforeAll(() => loadSqlParser());

describe('planArms', () => {
  it('reads a scan the same under any alias, wherever its conditions are printed and in any order', () => {
    const a = keyOf(scan('users', { Filter: '((users.id > 1) AND (users.name = \'x\'::text))' }));
    expect(keyOf(scan('users_1', { Filter: '((users_1.name = \'x\'::text) AND (users_1.id > 1))' }))).toEqual(a);
    expect(keyOf(scan('users_2', { Filter: '(users_2.id > 1)', 'Recheck Cond': '(users_2.name = \'x\'::text)', 'Total Cost': 99 }))).toEqual(a);
    expect(keyOf(scan('users', { Filter: '(users.id > 2)' }))).not.toEqual(a);
  });

  it('passes through what returns every row of its input, and nothing else', () => {
    const plain = keyOf(scan('users'));
    expect(plain[0]).toBeDefined();
    for (const type of ['Sort', 'Gather', 'Result', 'WindowAgg']) expect(keyOf({ 'Node Type': type, Plans: [scan('users')] })).toEqual(plain);
    // A window's run condition (`row_number() over () <= 10` pushed down) stops returning rows.
    expect(keyOf({ 'Node Type': 'WindowAgg', 'Run Condition': '(row_number() OVER (?) <= 10)', Plans: [scan('users')] })).toEqual([undefined]);
    expect(keyOf({ 'Node Type': 'Subquery Scan', Alias: 's', Output: ['s.id'], Plans: [scan('users')] })).toEqual(plain);
    for (const type of ['Limit', 'Unique', 'Aggregate', 'LockRows', 'ProjectSet']) expect(keyOf({ 'Node Type': type, Plans: [scan('users')] })).toEqual([undefined]);
    // A gate keeps all its input's rows or none: they are shared, beside an arm no other equals.
    expect(keyOf({ 'Node Type': 'Result', 'One-Time Filter': '$0', Plans: [scan('users')] })).toEqual([plain[0], undefined]);
    expect(keyOf({ 'Node Type': 'Subquery Scan', Alias: 's', Filter: '(s.id > 1)', Plans: [scan('users')] })).toEqual([undefined]);
  });

  it('tells nothing of a scan reading a sub-plan, a parameter or another relation, or printing a field it does not know', () => {
    expect(keyOf({ ...scan('users', { Filter: '(users.id > $0)' }), Plans: [{ 'Node Type': 'Result', 'Parent Relationship': 'InitPlan' }] })).toEqual([undefined]);
    expect(keyOf(scan('users', { Filter: '(users.id > $1)' }))).toEqual([undefined]);
    expect(keyOf(scan('users', { Filter: '(other.id = users.id)' }))).toEqual([undefined]);
    expect(keyOf(scan('users', { Filter: '(SubPlan 1)' }))).toEqual([undefined]);
    expect(keyOf(scan('users', { 'Sampling Method': 'bernoulli' }))).not.toEqual(keyOf(scan('users')));
    expect(keyOf({ ...scan('users'), 'Node Type': 'Sample Scan' })).toEqual([undefined]);
  });

  it('keeps the access path: an index (a partial one filters by a condition it does not print) is not a sequential scan', () => {
    const byIndex = keyOf(scan('users', { 'Node Type': 'Index Scan', 'Index Name': 'users_active_id', 'Index Cond': '(users.id < 3)' }));
    expect(byIndex).not.toEqual(keyOf(scan('users', { Filter: '(users.id < 3)' })));
    expect(byIndex).not.toEqual(keyOf(scan('users', { 'Node Type': 'Index Scan', 'Index Name': 'users_pkey', 'Index Cond': '(users.id < 3)' })));
    expect(keyOf(scan('users', { 'Node Type': 'Index Scan', 'Index Name': 'users_pkey', 'Index Cond': '(users.id < 3)', 'Scan Direction': 'Backward' })))
      .toEqual(keyOf(scan('users', { 'Node Type': 'Index Scan', 'Index Name': 'users_pkey', 'Index Cond': '(users.id < 3)', 'Scan Direction': 'Forward' })));
  });

  it('drops `IS NOT NULL` only of the columns the catalog says are scalar and NOT NULL', () => {
    const tested = scan('users', { Filter: '((users.id IS NOT NULL) AND (users.name IS NOT NULL))' });
    expect(notNullQuestions(plan(tested)).nullTested).toEqual(['users\u0000id', 'users\u0000name']);
    expect(keyOf(tested, new Set(['users\u0000id']))).toEqual(keyOf(scan('users', { Filter: '(users.name IS NOT NULL)' })));
    expect(keyOf(tested, new Set(['users\u0000id', 'users\u0000name']))).toEqual(keyOf(scan('users')));
    expect(keyOf(tested)).not.toEqual(keyOf(scan('users')));
    expect(keyOf(scan('users', { Filter: '(users.id IS NULL)' }), new Set(['users\u0000id']))).not.toEqual(keyOf(scan('users')));
  });

  it('makes the rows a node keeps whatever else it reads arms, beside one no arm equals', () => {
    const plain = keyOf(scan('users'))[0];
    const other = { ...scan('o'), 'Relation Name': 'other' };
    const join = (joinType: string) => ({ 'Node Type': 'Hash Join', 'Join Type': joinType, Plans: [{ ...scan('users'), 'Parent Relationship': 'Outer' }, { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', Plans: [{ ...other, 'Parent Relationship': 'Outer' }] }] });
    expect(keyOf(join('Left'))).toEqual([plain, undefined]);
    expect(keyOf(join('Anti'))).toEqual([plain, undefined]);
    expect(keyOf(join('Full'))).toEqual([plain, keyOf(other)[0], undefined]);
    expect(keyOf(join('Right'))).toEqual([keyOf(other)[0], undefined]);
    for (const type of ['Inner', 'Semi']) expect(keyOf(join(type))).toEqual([undefined]);
    const union = { 'Node Type': 'Append', Plans: [member(scan('users')), member(other)] };
    expect(keyOf({ 'Node Type': 'Aggregate', Strategy: 'Hashed', Plans: [union] })).toEqual([plain, keyOf(other)[0], undefined]);
    expect(keyOf({ 'Node Type': 'Unique', Plans: [{ 'Node Type': 'Sort', Plans: [union] }] })).toEqual([plain, keyOf(other)[0], undefined]);
    expect(keyOf({ 'Node Type': 'SetOp', Command: 'Except', Plans: [union] })).toEqual([plain, undefined]);
    expect(keyOf({ 'Node Type': 'SetOp', Command: 'Intersect', Plans: [union] })).toEqual([undefined]);
    // DISTINCT over one relation is rows of its own, as before.
    expect(keyOf({ 'Node Type': 'Unique', Plans: [{ 'Node Type': 'Sort', Plans: [scan('users')] }] })).toEqual([undefined]);
  });

  it('reads a CTE Scan as the plan of its own WITH query, where two share a name', () => {
    const plain = keyOf(scan('users'))[0];
    const inner = { 'Node Type': 'Aggregate', Strategy: 'Plain', 'Parent Relationship': 'InitPlan', 'Subplan Name': 'InitPlan 2', Plans: [
      { ...scan('users'), 'Parent Relationship': 'InitPlan', 'Subplan Name': 'CTE c' }, { 'Node Type': 'CTE Scan', 'Parent Relationship': 'Outer', 'CTE Name': 'c', Alias: 'c_1' }] };
    const root = (body: Node) => ({ 'Node Type': 'Result', 'One-Time Filter': '($2 >= 0)', Plans: [
      { ...body, 'Parent Relationship': 'InitPlan', 'Subplan Name': 'CTE c' }, inner, { 'Node Type': 'CTE Scan', 'Parent Relationship': 'Outer', 'CTE Name': 'c', Alias: 'c' }] });
    expect(keyOf(root({ 'Node Type': 'Function Scan', Alias: 'g' }))).toEqual([undefined, undefined]);
    expect(keyOf(root(scan('users')))).toEqual([plain, undefined]);
  });

  it('makes each member of an Append an arm of its own', () => {
    const arms = planArms(plan({ 'Node Type': 'Append', 'Subplans Removed': 0, Plans: [member(scan('users')), member(scan('users_1', { Filter: '(users_1.id < 0)' }))] }));
    expect(arms).toHaveLength(2);
    expect(arms[0]!.key).toEqual(keyOf(scan('users'))[0]);
    expect(keyOf({ 'Node Type': 'Append', 'Subplans Removed': 1, Plans: [member(scan('users'))] })).toEqual([undefined]);
  });

  it('says what each output column shows: a column, an expression of columns, or nothing it can tell', () => {
    const [arm] = planArms(plan(scan('users', { Output: ['id', 'users.name', 'upper(users.name)', 'NULL::text', 'other.x', 'users.*'] })));
    expect(arm!.columns.slice(0, 2)).toEqual(['col:id', 'col:name']);
    expect(arm!.columns[2]).toMatch(/^expr:.*upper/);
    expect(arm!.columns[3]).toMatch(/^expr:/);
    expect(arm!.columns.slice(4)).toEqual([undefined, undefined]);
    const [through] = planArms(plan({ 'Node Type': 'Subquery Scan', Alias: 's', Output: ['s.id', 's.name'], Plans: [scan('users')] }));
    expect(through!.columns).toEqual([]);
  });
});

describe('planArms under a FROM alias with a column list', () => {
  it('reads the printed names as the relation\'s columns, and tells nothing where they cannot be matched', () => {
    const aliased = scan('u', { Output: ['u.id', 'u.full_name'], Filter: '(u.full_name IS NOT NULL)' });
    const aliases = new Map([['users', new Map([['id', 'id'], ['full_name', 'name']])]]);
    const [arm] = planArms(plan(aliased), new Set(), aliases);
    expect(arm!.columns).toEqual(['col:id', 'col:name']);
    expect(arm!.key).toEqual(keyOf(scan('users', { Filter: '(users.name IS NOT NULL)' }))[0]);
    expect(notNullQuestions(plan(aliased), aliases).nullTested).toEqual(['u\u0000name']);
    expect(planArms(plan(aliased), new Set(), new Map([['users', null]]))).toEqual([{ key: undefined, relation: 'public.users', columns: [], scans: '["public","users"]' }]);
    expect(planArms(plan(scan('u', { Output: ['u.other'] })), new Set(), aliases)[0]!.columns).toEqual([undefined]);
  });
});

describe('sharedArms', () => {
  const arm = (key: string | undefined): PlanArm => ({ key, relation: key ?? 'untold', columns: [] });

  it('is the same rows only when every arm has its equal, one for one', () => {
    expect(sharedArms([arm('a')], [arm('a')])?.same).toBe(true);
    expect(sharedArms([arm('a'), arm('a')], [arm('a')])).toMatchObject({ same: false, onlyA: ['a'], onlyB: [] });
    expect(sharedArms([arm('a')], [arm('a'), arm('b')])).toMatchObject({ same: false, onlyB: ['b'] });
    expect(sharedArms([arm('a')], [arm('b')])).toBeUndefined();
    expect(sharedArms([arm(undefined)], [arm(undefined)])).toBeUndefined();
  });

  it('is symmetric and pairs exactly the common keys, counted with repeats', () => {
    const keys = fc.array(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }), { maxLength: 5 });
    fc.assert(fc.property(keys, keys, (a, b) => {
      const ab = sharedArms(a.map(arm), b.map(arm));
      const ba = sharedArms(b.map(arm), a.map(arm));
      const common = ['a', 'b', 'c'].reduce((n, k) => n + Math.min(a.filter((x) => x === k).length, b.filter((x) => x === k).length), 0);
      expect(ab?.pairs.length ?? 0).toBe(common);
      expect(ba?.pairs.length ?? 0).toBe(common);
      expect(ab?.same).toBe(ba?.same);
      if (ab?.same) expect(a.every((k) => k !== undefined) && a.length === b.length).toBe(true);
    }));
  });
});

/** Pure parts of plan-feeds: which relations a plan's rows are made of, and what the catalog is asked. */
import { beforeAll, describe, expect, it } from 'vitest';
import { planFeeds, relationKey, uniqueQuestions, type FeedNode } from '../../src/introspect/plan-feeds.js';
import { loadSqlParser } from '../../src/sql/parser.js';

const scan = (name: string, alias = name, fields: FeedNode = {}): FeedNode => ({ 'Node Type': 'Seq Scan', 'Relation Name': name, Schema: 'public', Alias: alias, ...fields });
const join = (type: string, outer: FeedNode, inner: FeedNode, fields: FeedNode = {}): FeedNode => ({
  'Node Type': 'Hash Join', 'Join Type': type, ...fields,
  Plans: [{ ...outer, 'Parent Relationship': 'Outer' }, { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', Plans: [{ ...inner, 'Parent Relationship': 'Outer' }] }],
});
const feeds = (root: FeedNode, unique: FeedNode[] = []) => {
  const made = planFeeds(root, new Set(unique));
  return { feeds: [...made.feeds].sort(), within: made.within };
};
const [LEGACY, USERS] = [relationKey('public', 'legacy'), relationKey('public', 'users')];

beforeAll(() => loadSqlParser());

describe('planFeeds', () => {
  it('counts every row input of a join, unless one side is matched at most once per row of the other', () => {
    const legacy = scan('legacy', 'l');
    const users = scan('users', 'u');
    expect(feeds(join('Inner', legacy, users))).toEqual({ feeds: [LEGACY, USERS].sort(), within: false });
    expect(feeds(join('Inner', legacy, users, { 'Inner Unique': true }))).toEqual({ feeds: [LEGACY], within: true });
    const oneToOne = join('Inner', legacy, users, { 'Inner Unique': true });
    expect(feeds(oneToOne, [oneToOne])).toEqual({ feeds: [], within: true });
    expect(feeds(join('Semi', users, legacy))).toEqual({ feeds: [USERS], within: true });
    expect(feeds(join('Full', users, legacy, { 'Inner Unique': true }))).toEqual({ feeds: [LEGACY, USERS].sort(), within: false });
  });

  it('passes through nodes keeping at most one row per input row, and unions every other input', () => {
    for (const type of ['Unique', 'Limit', 'WindowAgg', 'Sort', 'Subquery Scan']) expect(feeds({ 'Node Type': type, Plans: [scan('legacy')] })).toEqual({ feeds: [LEGACY], within: true });
    expect(feeds({ 'Node Type': 'Append', Plans: [scan('users'), scan('legacy')] })).toEqual({ feeds: [LEGACY, USERS].sort(), within: false });
    expect(feeds({ 'Node Type': 'ProjectSet', Plans: [scan('legacy')] })).toEqual({ feeds: [LEGACY], within: false });
    expect(feeds({ 'Node Type': 'Aggregate', Strategy: 'Plain', Plans: [scan('legacy')] })).toEqual({ feeds: [], within: true });
    // A sub-plan filters or computes a value: no row of it is a row of the plan.
    expect(feeds({ ...scan('users'), Plans: [{ ...scan('legacy'), 'Parent Relationship': 'SubPlan' }] })).toEqual({ feeds: [USERS], within: true });
  });

  it('takes EXCEPT\'s left member and what every INTERSECT member reads', () => {
    const members = (command: string) => ({ 'Node Type': 'SetOp', Command: command, Plans: [{ 'Node Type': 'Append', Plans: [scan('users'), scan('legacy')] }] });
    expect(feeds(members('Except All'))).toEqual({ feeds: [USERS], within: true });
    expect(feeds(members('Intersect'))).toEqual({ feeds: [], within: true });
  });
});

describe('uniqueQuestions', () => {
  it('asks of an outer relation scan the columns the join equates to the inner side, and of a grouping its key', () => {
    const rename = () => (name: string) => name;
    const equated = join('Inner', scan('legacy', 'l'), scan('users', 'u'), { 'Hash Cond': '(l.id = u.id)' });
    expect(uniqueQuestions(equated, rename).map((q) => [q.name, q.columns, q.notNull])).toEqual([['legacy', ['id'], false]]);
    // Equated to an expression of the outer side itself, or to a function's value: nothing asked.
    expect(uniqueQuestions(join('Inner', scan('legacy', 'l'), scan('users', 'u'), { 'Hash Cond': '(l.id = (l.id + u.id))' }), rename)).toEqual([]);
    expect(uniqueQuestions(join('Inner', scan('legacy', 'l'), scan('users', 'u'), { 'Hash Cond': '(l.id = random())' }), rename)).toEqual([]);
    const grouped: FeedNode = { 'Node Type': 'Aggregate', Strategy: 'Hashed', 'Group Key': ['l.id', 'l.name'], Plans: [{ ...scan('legacy', 'l'), 'Parent Relationship': 'Outer' }] };
    expect(uniqueQuestions(grouped, rename).map((q) => [q.columns, q.notNull])).toEqual([[['id', 'name'], true]]);
    expect(uniqueQuestions({ ...grouped, Filter: '(count(*) > 1)' }, rename)).toEqual([]);
  });
});

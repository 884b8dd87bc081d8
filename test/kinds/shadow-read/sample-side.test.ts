import { describe, expect, it } from 'vitest';
import { oldRowSource, relationsRead, sampleRelationToConfirm, sampleSideProblem } from '../../../src/kinds/shadow-read/sample-side.js';

const oldQuery = (sql: string) => ({ source: 'db', query: sql });

describe('relationsRead', () => {
  it('names every relation, qualified or not, and leaves out the WITH names', () => {
    expect(relationsRead('with n as (select * from app.users_v2) select n.id from n join "Legacy" l on l.id = n.id where n.id = any($keys)'))
      .toEqual(expect.arrayContaining([{ schema: 'app', name: 'users_v2' }, { name: 'Legacy' }]));
    expect(relationsRead('with n as (select * from app.users_v2) select n.id from n where n.id = any($keys)')).toHaveLength(1);
  });

  it('finds relations inside subqueries and EXISTS', () => {
    expect(relationsRead('select id from a where id = any($keys) and exists (select 1 from b where b.id = a.id)').map((r) => r.name)).toEqual(['a', 'b']);
  });
});

describe('oldRowSource', () => {
  it.each([
    ['select id from a where id = any($keys)', { name: 'a' }],
    ['select id from s.a where id = any($keys) and exists (select 1 from b)', { schema: 's', name: 'a' }],
    ['with n as (select * from s.a) select id from n where id = any($keys)', { schema: 's', name: 'a' }],
    ['select id from (select * from a) x where id = any($keys)', { name: 'a' }],
    ['select a.id from a left join b on b.id = a.id where a.id = any($keys)', { name: 'a' }],
    ['select a.id from b right join a on b.id = a.id where a.id = any($keys)', { name: 'a' }],
    ['select a.id from a join b on b.id = a.id where a.id = any($keys)', { name: 'a' }],
    ['select x.id from a x, generate_series(1, 2) g where x.id = any($keys)', { name: 'a' }],
    ['select id from a where id = any($keys) union all select id from a where false', { name: 'a' }],
    ['select id from a where id = any($keys) except select id from b', { name: 'a' }],
  ])('%s reads its rows from one relation', (query, expected) => {
    expect(oldRowSource(query, ['id'])).toEqual(expected);
  });

  it.each([
    'select id from a where id = any($keys) union select id from b',
    'select coalesce(a.id, b.id) as id from a full join b on a.id = b.id where coalesce(a.id, b.id) = any($keys)',
    'select id from a join b using (id) where id = any($keys)',
    'select a.id + 0 as id from a join b on true where a.id = any($keys)',
    'select * from a join b on true where a.id = any($keys)',
    'with recursive r as (select id from a union all select id from r) select id from r where id = any($keys)',
    'select id from generate_series(1, 3) id where id = any($keys)',
    'select x.id from (select * from a join b on true) x where x.id = any($keys)',
  ])('cannot tell the row source of %s', (query) => {
    expect(oldRowSource(query, ['id'])).toBeUndefined();
  });
});

describe('sampleSideProblem', () => {
  const from = (table: string, side?: 'old' | 'new') => ({ source: 'db', table: table.includes('.') ? { schema: table.split('.')[0]!, name: table.split('.')[1]! } : { name: table }, side });
  const paths = { old: oldQuery('select id, v from users where id = any($keys)'), new: oldQuery('select id, v from users_v2 where id = any($keys)') };

  it('accepts the table the old query reads, qualified or not, and confirms on the server a name one side qualifies', () => {
    expect(sampleSideProblem({ from: from('users'), ...paths })).toBeUndefined();
    expect(sampleRelationToConfirm({ from: from('users'), ...paths })).toBeUndefined();
    expect(sampleSideProblem({ from: from('public.users'), ...paths })).toBeUndefined();
    expect(sampleRelationToConfirm({ from: from('public.users'), ...paths })).toEqual({ sampled: { schema: 'public', name: 'users' }, read: { name: 'users' } });
    expect(sampleSideProblem({ from: from('archive.users'), old: oldQuery('select id, v from public.users where id = any($keys)'), new: paths.new })).toMatch(/cannot tell/);
  });

  it('refuses the table only the new query reads, even declared old', () => {
    expect(sampleSideProblem({ from: from('users_v2'), ...paths })).toMatch(/new path reads/);
    expect(sampleSideProblem({ from: from('users_v2', 'old'), ...paths })).toMatch(/new path reads/);
  });

  it('refuses side: new whatever the table', () => {
    expect(sampleSideProblem({ from: from('users', 'new'), ...paths })).toMatch(/side: new/);
  });

  it('asks for side: old where the paths cannot tell, and accepts it', () => {
    const endpoints = { old: { http: 'http://old/{id}' }, new: { http: 'http://new/{id}' } };
    expect(sampleSideProblem({ from: from('users'), ...endpoints })).toMatch(/cannot tell/);
    expect(sampleSideProblem({ from: from('users', 'old'), ...endpoints })).toBeUndefined();
  });
});

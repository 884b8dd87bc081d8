import { describe, expect, it } from 'vitest';
import { relationsRead, sampleSideProblem } from '../../../src/kinds/shadow-read/sample-side.js';

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

describe('sampleSideProblem', () => {
  const from = (table: string, side?: 'old' | 'new') => ({ source: 'db', table: table.includes('.') ? { schema: table.split('.')[0]!, name: table.split('.')[1]! } : { name: table }, side });
  const paths = { old: oldQuery('select id, v from users where id = any($keys)'), new: oldQuery('select id, v from users_v2 where id = any($keys)') };

  it('accepts the table the old query reads, qualified or not', () => {
    expect(sampleSideProblem({ from: from('users'), ...paths })).toBeUndefined();
    expect(sampleSideProblem({ from: from('public.users'), ...paths })).toBeUndefined();
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

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../../src/sql/parser.js';
import { resolveStatement } from '../../../src/kinds/unused/resolve-statement.js';
import type { ShapeTarget } from '../../../src/kinds/unused/targets.js';

const fullName: ShapeTarget = { label: 'public.users.full_name', column: 'full_name', relations: [{ schema: 'public', name: 'users' }, { schema: 'public', name: 'users_2024' }] };
const legacy: ShapeTarget = { label: 'public.users_legacy', relations: [{ schema: 'public', name: 'users_legacy' }] };

function usesOf(text: string, targets: ShapeTarget[] = [fullName, legacy]) {
  const use = resolveStatement(text, targets);
  if (use.kind !== 'resolved') throw new Error(`unresolvable: ${use.reason}`);
  return use.uses.map((u) => `${u.target}:${u.mode}`).sort();
}

beforeAll(loadSqlParser);

describe('statement resolution against the old shape', () => {
  it.each([
    ['select id, full_name from users where id = $1', 'read'],
    ['select u.full_name from public.users u', 'read'],
    ['SELECT "full_name" FROM "public"."users" AS "U"', 'read'],
    ['select id from users where full_name is null', 'read'],
    ['select * from users', 'read'],
    ['table users', 'read'],
    ['select u.* from users u join orders o on o.user_id = u.id', 'read'],
    ['select u from users u', 'read'],
    ['select row_to_json(users) from users', 'read'],
    ['select to_jsonb(u) ->> $1 from users u', 'read'],
    ['select full_name(u) from users u', 'read'],
    ['with x as (select full_name from users) select * from x', 'read'],
    ['select (select full_name from users limit $1) as n', 'read'],
    ['select id from orders where user_id in (select id from users where full_name like $1)', 'read'],
    ['select id from users natural join profiles', 'read'],
    ['select id from users join profiles using (full_name)', 'read'],
    ['select full_name from users_2024', 'read'],
    ['copy users to stdout', 'read'],
    ['copy (select full_name from users) to stdout', 'read'],
    ['select U&"\\0066ull_name" from users', 'read'],
    ['update users set full_name = $1 where id = $2', 'write'],
    ['update users set (email, full_name) = ($1, $2)', 'write'],
    ['insert into users (id, full_name) values ($1, $2)', 'write'],
    ['insert into users values ($1, $2, $3)', 'write'],
    ['insert into users select * from staging', 'write'],
    ['copy users from stdin', 'write'],
    ['copy users (id, full_name) from stdin', 'write'],
    ['merge into users u using s on u.id = s.id when matched then update set email = s.email', 'write'],
    ['update users set email = $1 returning full_name', 'read'],
    ["do $$ begin perform full_name from users; end $$", 'read'],
  ])('%s uses users.full_name (%s)', (text, mode) => {
    expect(usesOf(text, [fullName])).toEqual([`public.users.full_name:${mode}`]);
  });

  it.each([
    'select id, email from users',
    'select count(*) from users',
    'update users set email = $1 where id = $2',
    'insert into users (id, email) values ($1, $2)',
    'delete from users where id = $1',
    'select full_name from customers',
    'select full_name from archive.users',
    'copy users (id, email) to stdout',
    'select 1',
  ])('%s does not use users.full_name', (text) => {
    expect(usesOf(text, [fullName])).toEqual([]);
  });

  it('names whole-table uses as reads or writes', () => {
    expect(usesOf('select count(*) from users_legacy')).toEqual(['public.users_legacy:read']);
    expect(usesOf('insert into public.users_legacy (id) values (1)')).toEqual(['public.users_legacy:write']);
    expect(usesOf('delete from users_legacy')).toEqual(['public.users_legacy:write']);
    expect(usesOf('truncate users_legacy')).toEqual(['public.users_legacy:write']);
    expect(usesOf('select id from users_legacy_archive')).toEqual([]);
    expect(usesOf('select id from other.users_legacy')).toEqual([]);
  });

  it('counts SQL hidden in a string as a use when it names the table', () => {
    expect(usesOf("select query_to_xml('select full_name from users', true, false, '')", [fullName])).toEqual(['public.users.full_name:read']);
    expect(usesOf("do $$ begin execute 'delete from users_legacy'; end $$", [legacy])).toEqual(['public.users_legacy:read']);
  });

  it('reports text the parser rejects as unresolvable, and as possibly touching when it names a target', () => {
    expect(resolveStatement('select full_name from users where', [fullName])).toMatchObject({ kind: 'unresolvable', mightTouch: true });
    expect(resolveStatement('select x from U&"\\0075sers" where', [fullName])).toMatchObject({ kind: 'unresolvable', mightTouch: true });
    expect(resolveStatement('select x from orders where', [fullName])).toMatchObject({ kind: 'unresolvable', mightTouch: false });
  });
});

describe('statement resolution over generated queries', () => {
  const quote = (name: string, quoted: boolean) => (quoted ? `"${name}"` : name);
  const arbitraryRead = fc.record({
    schema: fc.constantFrom(undefined, 'public'),
    alias: fc.constantFrom(undefined, 'u', 'x1'),
    quoted: fc.boolean(),
    upper: fc.boolean(),
    form: fc.constantFrom('column', 'star', 'where', 'cte', 'subquery', 'whole_row', 'order'),
    extra: fc.constantFrom('', ' limit $1', ' for update'),
  });

  it('finds every generated read of the column however it is spelt', () => {
    fc.assert(fc.property(arbitraryRead, ({ schema, alias, quoted, upper, form, extra }) => {
      const table = `${schema ? `${quote(schema, quoted)}.` : ''}${quote('users', quoted)}`;
      const col = quoted ? '"full_name"' : upper ? 'FULL_NAME' : 'full_name';
      const ref = alias ?? 'users';
      const from = `${table}${alias ? ` ${alias}` : ''}`;
      const text = {
        column: `select ${ref}.${col} from ${from}`,
        star: `select * from ${from}`,
        where: `select 1 from ${from} where ${col} = $1`,
        cte: `with c as (select ${col} from ${from}) select * from c`,
        subquery: `select (select ${col} from ${from} limit 1)`,
        whole_row: `select ${ref} from ${from}`,
        order: `select id from ${from} order by ${col}`,
      }[form] + (form === 'subquery' ? '' : extra);
      expect(usesOf(text, [fullName])).toEqual(['public.users.full_name:read']);
    }));
  });

  it('never reports a generated query that only touches other columns', () => {
    fc.assert(fc.property(fc.subarray(['id', 'email', 'created_at', '"Full_Name"'], { minLength: 1 }), fc.constantFrom('users', 'public.users'), (cols, table) => {
      expect(usesOf(`select ${cols.join(', ')} from ${table} where id = $1`, [fullName])).toEqual([]);
    }));
  });
});

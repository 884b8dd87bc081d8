/** What a definition's calls to SQL-running functions read (pure: deparsed text → uses and unjudged calls). */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../../src/sql/parser.js';
import { sqlTextUses } from '../../../src/kinds/unused/sql-text-calls.js';
import type { ShapeTarget } from '../../../src/kinds/unused/targets.js';

const fullName: ShapeTarget = { label: 'public.users.full_name', column: 'full_name', relations: [{ schema: 'public', name: 'users' }] };
const legacy: ShapeTarget = { label: 'archive.users_legacy', relations: [{ schema: 'archive', name: 'users_legacy' }] };
const judge = (text: string, routines: string[] = []) => sqlTextUses(text, [fullName, legacy], new Set(routines));

beforeAll(loadSqlParser);

describe('SQL handed to functions as text inside definitions', () => {
  it.each([
    ["select query_to_xml('select id, full_name from users'::text, true, false, ''::text)", ['public.users.full_name']],
    ["select query_to_xml('select id from users'::text, true, false, ''::text)", []],
    ["select query_to_xml('select * from public.users'::text, true, false, ''::text)", ['public.users.full_name']],
    ["select query_to_xml('table users', true, false, '')", ['public.users.full_name']],
    ["select table_to_xml('users'::regclass, true, false, ''::text)", ['public.users.full_name']],
    ["select table_to_xml('other.users'::regclass, true, false, ''::text)", []],
    ["select table_to_xmlschema('archive.users_legacy'::regclass, true, false, '')", ['archive.users_legacy']],
    ["select schema_to_xml('archive'::name, true, false, '')", ['archive.users_legacy']],
    ["select database_to_xml(true, false, '')", ['archive.users_legacy', 'public.users.full_name']],
    ["select * from ts_stat('select full_name from users'::text)", ['public.users.full_name']],
    ["select * from crosstab('select full_name, 1, 2 from users', 3) as t(a text)", ['public.users.full_name']],
    ["select query_to_xml(query => 'select full_name from users', nulls => true, tableforest => false, targetns => '')", ['public.users.full_name']],
    ["select xpath('//x', query_to_xml('select query_to_xml(''select full_name from users'', true, false, '''')', true, false, ''))", ['public.users.full_name']],
    ["select query_to_xml(NULL::text, true, false, '')", []],
    ["select run_sql('select full_name from users')", ['public.users.full_name']],
    ["select * from run_sql('users'::regclass, 'email')", ['public.users.full_name']],
    ["select upper('select full_name from users')", []],
  ])('%s', (text, uses) => {
    const found = judge(text, ['run_sql']);
    expect(found.uses.sort()).toEqual(uses);
    expect(found.unjudged).toEqual([]);
  });

  it.each([
    ["select query_to_xml(q.sql, true, false, '') from q"],
    ["select query_to_xml('select full_' || 'name from users', true, false, '')"],
    ["select query_to_xml(format('select %I from users', 'full_name'), true, false, '')"],
    ["select table_to_xml(16384, true, false, '')"],
    ["select table_to_xml(t.rel, true, false, '') from t"],
    ["select schema_to_xml(current_schema(), true, false, '')"],
    ["select cursor_to_xml('c'::refcursor, 10, true, false, '')"],
    ["select query_to_xml('select full_name from users where (', true, false, '')"],
  ])('cannot judge %s', (text) => {
    expect(judge(text).unjudged.length).toBeGreaterThan(0);
  });
});

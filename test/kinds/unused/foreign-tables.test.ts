import { describe, expect, it } from 'vitest';
import { foreignTableUses, type ForeignTableRow } from '../../../src/kinds/unused/foreign-tables.js';
import { triggerArguments } from '../../../src/kinds/unused/trigger-arguments.js';

const users = { label: 'public.users.full_name', column: 'full_name', relations: [{ schema: 'public', name: 'users' }] };
const row = (name: string, options: Record<string, string>, columns: { name: string; options?: Record<string, string> }[], wrapper = 'postgres_fdw'): ForeignTableRow => ({
  foreign_table: `ext.${name}`, schema: 'ext', name, server: 'remote', wrapper,
  options: JSON.stringify(options), columns: JSON.stringify(columns.map((c) => ({ name: c.name, options: c.options ?? {} }))),
});

describe('foreign tables that may read a listed column', () => {
  it.each([
    ['no table option: its own name is the remote name', row('users', { schema_name: 'app' }, [{ name: 'full_name' }])],
    ['an upper-case remote table (oracle_fdw folds)', row('u', { table: 'APP.USERS' }, [{ name: 'FULL_NAME' }], 'oracle_fdw')],
    ['a quoted, qualified remote table', row('u', { table_name: '"public"."users"' }, [{ name: 'n', options: { column_name: 'full_name' } }])],
    ['a query option naming the table', row('u', { query: 'select * from users' }, [{ name: 'id' }], 'tds_fdw')],
  ])('counts %s', (_name, foreign) => {
    expect(foreignTableUses([foreign], [users])).toHaveLength(1);
  });

  it.each([
    ['another remote table', row('u', { table_name: 'orders' }, [{ name: 'full_name' }])],
    ['the listed table without the column', row('u', { table_name: 'users' }, [{ name: 'id' }, { name: 'email' }])],
    ['a quoted remote name in another case (Postgres keeps quoted case)', row('u', { table_name: '"Users2"' }, [{ name: 'full_name' }])],
  ])('does not count %s', (_name, foreign) => {
    expect(foreignTableUses([foreign], [users])).toEqual([]);
  });
});

describe('trigger arguments', () => {
  it('splits tgargs as the function receives them, UTF-8 and empty arguments kept', () => {
    const hex = Buffer.from('tsv\0pg_catalog.simple\0\0naïve\0', 'utf8').toString('hex');
    expect(triggerArguments({ args_hex: hex, nargs: 4 })).toEqual(['tsv', 'pg_catalog.simple', '', 'naïve']);
  });
});

describe('a listed foreign table', () => {
  it('is not a use of itself', () => {
    const listed = { label: 'ext.users', relations: [{ schema: 'ext', name: 'users' }] };
    expect(foreignTableUses([row('users', {}, [{ name: 'id' }])], [listed])).toEqual([]);
  });
});

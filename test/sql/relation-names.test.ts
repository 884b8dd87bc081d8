import { describe, expect, it } from 'vitest';
import '../support/load-sql-parser.js';
import { relationNamesOf } from '../../src/sql/relation-names.js';

describe('the relations a statement names', () => {
  it('finds names in FROM, joins, sub-queries, CTEs and TABLE, quoted for to_regclass, without pg_catalog', () => {
    const text = `with w as (select * from "App"."Orders" o join items i using (id)) select (select count(*) from v_users), * from w, pg_catalog.pg_class c where exists (table public.audit)`;
    expect(relationNamesOf(text)).toEqual(['"App"."Orders"', '"items"', '"public"."audit"', '"v_users"', '"w"']);
  });

  it('spells a Unicode-escaped or quoted name as the server reads it', () => {
    expect(relationNamesOf('select * from U&"v\\005fusers", "We""ird"')).toEqual(['"We""ird"', '"v_users"']);
  });

  it('cannot tell for text that does not parse', () => {
    expect(relationNamesOf('select * from')).toBeUndefined();
  });
});

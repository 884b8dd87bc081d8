/**
 * (Failed on the old code.) `unused` trusted `pg_stat_statements.track = all`
 * from the server and from role/database settings (pg_db_role_setting), but a routine can carry
 * its own: `create function … set pg_stat_statements.track = top` (or `set compute_query_id =
 * off`) stops counting every statement run inside it. At `track = all` a PL/pgSQL function that
 * EXECUTEs SQL is no gap (its statements are expected as nested entries), so a generic export
 * function with such a SET clause reads the column all window, is counted only as `select
 * export_column($1, $2)`, and `unused` passes. (Setting these needs a superuser, or `GRANT SET ON
 * PARAMETER`, where the function runs: here a SECURITY DEFINER function of an application role that
 * is a superuser and is not ignored — its nested statements would be counted without the clause.)
 */
import { windowSuite } from '../kinds/unused/window-suite.js';
import { engines } from '../support/databases.js';

if (engines.includes('postgres')) {
  windowSuite('unused: routines whose own SET clause stops statement counting (track = all)', { 'pg_stat_statements.track': 'all' }, (s) => {
    const setup = (clause: string) => `
      do $$ begin create role app_owner superuser; exception when duplicate_object then null; end $$;
      create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com');
      create function ${s}.export_column(tbl regclass, col text) returns setof text language plpgsql security definer ${clause}
        as $$ begin return query execute format('select %I::text from %s', col, tbl); end $$;
      alter function ${s}.export_column(regclass, text) owner to app_owner;`;
    const target = `columns: [${s}.users.full_name]`;
    const window = [`select * from ${s}.export_column('${s}.users', 'full_name')`];
    return [
      { name: 'set pg_stat_statements.track = top on the function', expected: 'used', setup: setup('set pg_stat_statements.track = top'), target, window },
      { name: 'set pg_stat_statements.track = none on the function', expected: 'used', setup: setup('set pg_stat_statements.track = none'), target, window },
      { name: 'set compute_query_id = off on the function', expected: 'used', setup: setup('set compute_query_id = off'), target, window },
      { name: 'set pg_stat_statements.track = none by ALTER FUNCTION', expected: 'used', setup: `${setup('')} alter function ${s}.export_column(regclass, text) set pg_stat_statements.track = none;`, target, window },
      { name: 'the body turns counting off itself (set_config, local to its transaction)', expected: 'used', target, window,
        setup: setup('').replace('begin return query', `begin perform set_config('pg_stat_statements.track', 'none', true); return query`) },
      { name: 'control: the same function without a SET clause is counted nested', expected: 'used', setup: setup(''), target, window },
    ];
  });
}

/**
 * (Failed on the old code.) With `pg_stat_statements.track = all`, SQL a
 * routine runs is counted as a nested statement under the role *current* when it runs — inside a
 * SECURITY DEFINER function, the function's owner. Owners are typically `postgres` or the
 * migrator, exactly the roles a check ignores (`ignore: { roles: [migrator] }`). A generic export
 * function (`export_column(tbl regclass, col text)`, PL/pgSQL `RETURN QUERY EXECUTE format(…)`)
 * names no table, its EXECUTE is no gap at `track = all`, the application's own statement is
 * `select export_column($1, $2)`, and the nested `select full_name::text from users` is counted
 * under the ignored owner: `unused` passes while the application reads the column all window.
 */
import { windowSuite } from '../kinds/unused/window-suite.js';
import { engines } from '../support/databases.js';

if (engines.includes('postgres')) {
  windowSuite('unused: reads run by a SECURITY DEFINER function owned by an ignored role (track = all)', { 'pg_stat_statements.track': 'all' }, (s) => {
    const setup = (definer: 'security definer' | 'security invoker') => `
      do $$ begin create role migrator; exception when duplicate_object then null; end $$;
      grant usage on schema ${s} to migrator;
      create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com');
      grant select on ${s}.users to migrator;
      create function ${s}.export_column(tbl regclass, col text) returns setof text language plpgsql ${definer}
        as $$ begin return query execute format('select %I::text from %s', col, tbl); end $$;
      alter function ${s}.export_column(regclass, text) owner to migrator;`;
    return [
      { name: 'the application exports the column through a function owned by the ignored migrator', expected: 'used', ignore: ['migrator'],
        setup: setup('security definer'), target: `columns: [${s}.users.full_name]`, window: [`select * from ${s}.export_column('${s}.users', 'full_name')`] },
      { name: 'the same function owned by postgres (ignored by every check in these tests)', expected: 'used',
        setup: `${setup('security definer')} alter function ${s}.export_column(regclass, text) owner to postgres;`,
        target: `columns: [${s}.users.full_name]`, window: [`select * from ${s}.export_column('${s}.users', 'full_name')`] },
      { name: 'a SECURITY DEFINER SQL wrapper owned by the migrator over an invoker function that EXECUTEs', expected: 'used', ignore: ['migrator'],
        setup: `${setup('security invoker')} alter function ${s}.export_column(regclass, text) owner to postgres;
          create function ${s}.export_via(tbl regclass, col text) returns setof text language sql security definer as $$ select * from ${s}.export_column(tbl, col) $$;
          alter function ${s}.export_via(regclass, text) owner to migrator;`,
        target: `columns: [${s}.users.full_name]`, window: [`select * from ${s}.export_via('${s}.users', 'full_name')`] },
      { name: 'a SECURITY DEFINER SQL-standard body owned by the migrator handing a query to query_to_xml', expected: 'used', ignore: ['migrator'],
        setup: `${setup('security invoker')} create function ${s}.export_xml(q text) returns xml security definer begin atomic select query_to_xml(q, true, false, ''); end;
          alter function ${s}.export_xml(text) owner to migrator;`,
        target: `columns: [${s}.users.full_name]`, window: [`select ${s}.export_xml('select full_name from ${s}.users')`] },
      { name: 'control: a SECURITY INVOKER function is counted under the application\'s role', expected: 'used', ignore: ['migrator'],
        setup: setup('security invoker'), target: `columns: [${s}.users.full_name]`, window: [`select * from ${s}.export_column('${s}.users', 'full_name')`] },
      { name: 'control: the function exports another column', expected: 'pass', ignore: ['migrator'],
        setup: setup('security definer'), target: `columns: [${s}.users.full_name]`, window: [`select * from ${s}.export_column('${s}.users', 'email')`] },
    ];
  });
}

/**
 * A foreign table (postgres_fdw) pointed back at this database reads the listed column through a
 * connection of its own, and the remote side's statements are counted under the user mapping's
 * role — here `postgres`, which checks ignore — so with full evidence the application reading
 * `users_remote` all window passed (failed on the old code). The catalog side of loopback foreign
 * tables and dblink views (`evidence: catalog`) is its own file.
 */
import { windowSuite } from '../kinds/unused/window-suite.js';
import { engines } from '../support/databases.js';

if (engines.includes('postgres')) {
  windowSuite('unused: a foreign table over this database, read all window (full evidence)', {}, (s) => [
    { name: 'the application reads the foreign table; the remote side runs as the ignored postgres', expected: 'used',
      setup: `create extension if not exists postgres_fdw;
        create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com');
        do $$ begin execute format('create server %I foreign data wrapper postgres_fdw options (host %L, port %L, dbname %L)', '${s}_loop', '127.0.0.1', current_setting('port'), 'app'); end $$;
        create user mapping for reporting_ro server ${s}_loop options (user 'postgres', password_required 'false');
        create foreign table ${s}.users_remote (id int, full_name text) server ${s}_loop options (schema_name '${s}', table_name 'users');
        grant select on ${s}.users_remote to reporting_ro`,
      target: `columns: [${s}.users.full_name]`, window: [`select full_name from ${s}.users_remote where id = 1`] },
  ]);
}

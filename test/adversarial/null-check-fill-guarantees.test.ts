/**
 * null_check over a view filling a counted column from another (`coalesce(name, nick)`), where
 * something in the catalog keeps nick non-NULL: the fill can never be NULL, and "all rows have name
 * filled" passes over 50 NULL names. never_null's probe (kinds/lineage/null-probe.ts catalogSql, now kept-columns.ts keptColumnsSql)
 * held nick NULL in its stand-in row unless it recognised the guarantee, and the list it recognised
 * was short: a whole-row CHECK (conkey {0}), an AFTER ROW trigger (constraint or plain) or AFTER
 * STATEMENT trigger that raises, INSTEAD NOTHING rules on insert and update, a policy `for all
 * using (…)` (USING serves as WITH CHECK; polwithcheck is NULL), a MATCH FULL foreign key with a
 * NOT NULL partner column all passed (hv-variants). Variants: a disabled trigger (enabled at will),
 * a BEFORE STATEMENT trigger, a DO ALSO rule that raises, a restrictive policy, a policy of a
 * partitioned parent read through its partition, an index expression or partial-index predicate
 * and a stored generated column that raise over a NULL nick.
 * Sound outcome: not a pass (here `never_null`). The probe now takes every object that can reject
 * or rewrite a write as keeping the columns it may see non-NULL.
 *
 * Held (guards below): a fill through a join qual keeping nick non-NULL (scope_reads_counted); a
 * fill from a column nothing keeps (a MATCH SIMPLE foreign key, plain indexes, expressions that
 * cannot raise over NULL) still passes when the data fills it and fails when it does not; the
 * counted column read plainly is the data, whatever keeps it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { statusOfCheck } from '../support/run-check.js';

/** Tables whose nick no row can hold NULL, by a guarantee the probe's catalog read does not list. */
const GUARANTEES: [string, string, string][] = [
  ['a whole-row CHECK (conkey {0})', 'u_wholecheck', `create table u_wholecheck (id int primary key, name text, nick text, constraint w check (to_jsonb(u_wholecheck) ->> 'nick' is not null));`],
  ['an AFTER ROW constraint trigger that raises', 'u_after', `create table u_after (id int primary key, name text, nick text);
    create constraint trigger t_after after insert or update on u_after for each row execute function hv_reject_null();`],
  ['an AFTER ROW trigger that raises', 'u_afterrow', `create table u_afterrow (id int primary key, name text, nick text);
    create trigger t_afterrow after insert or update on u_afterrow for each row execute function hv_reject_null();`],
  ['an AFTER STATEMENT trigger that raises', 'u_stmt', `create table u_stmt (id int primary key, name text, nick text);
    create trigger t_stmt after insert or update on u_stmt for each statement execute function hv_reject_null_stmt();`],
  ['INSTEAD NOTHING rules on insert and update of a NULL nick', 'u_rule', `create table u_rule (id int primary key, name text, nick text);
    create rule r_ins as on insert to u_rule where new.nick is null do instead nothing;
    create rule r_upd as on update to u_rule where new.nick is null do instead nothing;`],
  ['a row-security policy FOR ALL USING (nick is not null), no WITH CHECK', 'u_rls', `create table u_rls (id int primary key, name text, nick text);
    alter table u_rls enable row level security; create policy p_all on u_rls for all using (nick is not null);`],
  ['a MATCH FULL foreign key whose other column is NOT NULL', 'u_fk', `create table u_fk (id int primary key, name text, nick text, ref int not null default 1,
    foreign key (nick, ref) references prof_keys (nick, id) match full);`],
  // Variants.
  ['a BEFORE ROW trigger filling nick, disabled after the rows were written', 'u_disabled', `create table u_disabled (id int primary key, name text, nick text);
    create trigger t_fill before insert or update on u_disabled for each row execute function hv_fill_nick();
    alter table u_disabled disable trigger t_fill;`],
  ['a BEFORE STATEMENT trigger that raises', 'u_bstmt', `create table u_bstmt (id int primary key, name text, nick text);
    create trigger t_bstmt before insert or update on u_bstmt for each statement execute function hv_reject_null_stmt();`],
  ['a DO ALSO rule raising on a NULL nick', 'u_also', `create table u_also (id int primary key, name text, nick text);
    create rule r_also as on insert to u_also where new.nick is null do also select hv_raise();`],
  ['a restrictive policy USING (nick is not null) beside a permissive USING (true)', 'u_restrictive', `create table u_restrictive (id int primary key, name text, nick text);
    alter table u_restrictive enable row level security;
    create policy p_any on u_restrictive for all using (true);
    create policy p_nick on u_restrictive as restrictive for all using (nick is not null);`],
  ['a policy WITH CHECK of the partitioned table, read through its partition', 'u_part', `create table u_parted (id int, name text, nick text) partition by range (id);
    create table u_part partition of u_parted for values from (minvalue) to (maxvalue);
    alter table u_parted enable row level security; create policy p_parted on u_parted for all using (true) with check (nick is not null);`],
  ['an index expression that errors over a NULL nick', 'u_index', `create table u_index (id int primary key, name text, nick text);
    create index on u_index ((1 / (nick is not null)::int));`],
  ['a partial index whose predicate errors over a NULL nick', 'u_partial', `create table u_partial (id int primary key, name text, nick text);
    create index on u_partial (id) where 1 / (nick is not null)::int = 1;`],
  ['a stored generated column whose expression errors over a NULL nick', 'u_generated', `create table u_generated (id int primary key, name text, nick text,
    g int generated always as (1 / (nick is not null)::int) stored);`],
];

describe.each(engines)('null_check over a fill from a column a guarantee keeps non-NULL, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create function hv_reject_null() returns trigger language plpgsql as $$ begin if new.nick is null then raise exception 'nick'; end if; return null; end $$;
      create function hv_fill_nick() returns trigger language plpgsql as $$ begin new.nick := coalesce(new.nick, 'nick'); return new; end $$;
      create function hv_raise() returns int language plpgsql as $$ begin raise exception 'nick'; end $$;
      create function hv_reject_null_stmt() returns trigger language plpgsql as $$ declare found_null boolean; begin execute format('select exists (select from %I where nick is null)', tg_table_name) into found_null; if found_null then raise exception 'nick'; end if; return null; end $$;
      create table prof_keys (id int, nick text, unique (nick, id)); insert into prof_keys select g, 'nick' from generate_series(1, 100) g;
      create table u_plain (id int primary key, name text, nick text);
      create table prof (id int primary key, nick text); insert into prof select g, 'nick' from generate_series(1, 100) g;`);
    for (const [, table, ddl] of GUARANTEES) {
      await db.exec(`${ddl}
        insert into ${table} (id, name, nick) select g, case when g % 2 = 0 then 'Ada' end, 'nick' from generate_series(1, 100) g;
        create view ${table}_filled as select id, coalesce(name, nick) as name from ${table};`);
    }
    await db.exec(`insert into u_plain select g, case when g % 2 = 0 then 'Ada' end, 'nick' from generate_series(1, 100) g;
      create table prof_single (nick text unique); insert into prof_single values ('nick');
      create table u_kept_nothing (id int primary key, name text, nick text references prof_single (nick), other text check (other <> ''), unique (nick, id));
      create index on u_kept_nothing (nick); create index on u_kept_nothing ((lower(nick) || 'x')) where nick is not null;
      alter table u_kept_nothing add column upper_nick text generated always as (upper(nick)) stored,
        add column nick_or_dash text generated always as (coalesce(nick, '-')) stored;
      insert into u_kept_nothing select g, case when g % 2 = 0 then 'Ada' end, 'nick', 'o' from generate_series(1, 100) g;
      create view u_kept_nothing_filled as select id, coalesce(name, nick) as name from u_kept_nothing;
      create view u_joinq as select u.id, coalesce(u.name, p.nick) as name from u_plain u join prof p on p.id = u.id and p.nick is not null;`);
  });
  afterAll(() => db?.close());
  const run = (table: string) => statusOfCheck(db, `{ id: c, kind: null_check, source: app, table: ${table}, columns: [name] }`);

  it.each(GUARANTEES)('does not pass over 50 NULL names filled from nick under %s', async (_name, table) => {
    // The trap is armed: half the names the view fills are NULL, and the guarantee holds (a NULL nick is refused or dropped).
    const [{ nulls }] = (await db.exec(`select count(*)::int as nulls from ${table} where name is null`)) as [{ nulls: number }];
    expect(nulls).toBe(50);
    const status = await run(`${table}_filled`);
    expect(status, status).toMatch(/^error never_null/);
  });

  it('control: a fill from a column only a MATCH SIMPLE foreign key, plain indexes, other columns\' CHECKs, and index and generated expressions that cannot raise over NULL touch is judged by the data', async () => {
    expect(await run('u_kept_nothing_filled')).toMatch(/^pass/);
    await db.exec('update u_kept_nothing set nick = null where id = 1');
    expect(await run('u_kept_nothing_filled')).toMatch(/^fail/);
    await db.exec("update u_kept_nothing set nick = 'nick' where id = 1");
  });

  it('control: the counted column read plainly is the data, whatever triggers, rules and policies its table has', async () => {
    for (const table of ['u_after', 'u_rule', 'u_rls', 'u_wholecheck', 'u_index']) {
      expect(await run(table), table).toMatch(/^fail/);
      expect(await statusOfCheck(db, `{ id: c, kind: null_check, source: app, table: ${table}, columns: [nick] }`), table).toMatch(/^pass/);
    }
  });

  it('guard, refused today: the same fill through a join qual keeping nick non-NULL', async () => {
    expect(await run('u_joinq')).toMatch(/^error scope_reads_counted/);
  });
});

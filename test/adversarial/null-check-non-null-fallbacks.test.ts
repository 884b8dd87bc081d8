/**
 * A null_check whose counted value falls back on a column the database keeps non-NULL by other
 * means than the column's own NOT NULL: a NOT NULL domain (at any depth of the domain chain), a
 * domain CHECK, a CHECK of the table, validated or NOT VALID (`check (email is not null)`, or
 * written otherwise: `num_nonnulls(email) = 1`, `(email is null) = false`, ANDed with others), a
 * CHECK on a stored generated column computed from it, a range or list partition key, a BEFORE ROW
 * trigger on INSERT or UPDATE that may fill it, or a row-security policy's WITH CHECK.
 * never_null's stand-in row put NULL in every column whose attnotnull is false, so `coalesce(name,
 * nick)` looked NULL-able and passed with half the names NULL. The catalog shows each of these
 * guarantees; a column one of them may keep non-NULL holds a value of a row there. (`coalesce(name,
 * id::text)`, id NOT NULL, is refused as before: the same value, another constraint.)
 * Sound outcome: not a pass (here `never_null`). Controls: a fallback the database leaves NULL-able
 * (in a table with CHECKs on other columns) still passes when the data fills it and fails when it
 * does not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { statusOfCheck as statusOf } from '../support/run-check.js';

const CASES: [string, string][] = [
  // From hv-same.
  ['a coalesce whose fallback is a NOT NULL domain', 'users_nick_fallback'],
  ['a coalesce whose fallback has CHECK (email IS NOT NULL)', 'users_email_fallback'],
  // Variants.
  ['a fallback whose domain is over a NOT NULL domain', 'users_deep_fallback'],
  ['a fallback whose domain has CHECK (value IS NOT NULL)', 'users_domain_check_fallback'],
  ['a fallback kept by CHECK (num_nonnulls(c) = 1)', 'users_nonnulls_fallback'],
  ['a fallback kept by CHECK ((c IS NULL) = false)', 'users_isnull_false_fallback'],
  ['a fallback kept by a CHECK ANDed with another condition', 'users_anded_fallback'],
  ['a fallback kept by a table-level CHECK over two columns', 'users_two_column_fallback'],
  ['a fallback that is a range partition key, read through a partition', 'users_partition_fallback'],
  ['a case falling back on a CHECK-kept column', 'users_case_fallback'],
  ['a fallback a kept generated column is computed from', 'users_generated_input_fallback'],
  ['a fallback kept by a CHECK added NOT VALID', 'users_not_valid_fallback'],
  ['a fallback that is a list partition key, read through the partitioned table', 'users_list_fallback'],
  ['a fallback a BEFORE INSERT trigger fills', 'users_trigger_fallback'],
  ['a fallback a BEFORE UPDATE trigger fills', 'users_update_trigger_fallback'],
  ['a fallback a row-security WITH CHECK keeps', 'users_policy_fallback'],
];

describe.each(engines)('null_check over a fallback the database keeps non-NULL, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create domain nick_text as text not null;
      create domain nick_deep as nick_text;
      create domain nick_checked as text check (value is not null);
      create table users (
        id int primary key, name text, nick nick_text, email text check (email is not null),
        deep nick_deep, checked nick_checked,
        a text check (num_nonnulls(a) = 1), b text check ((b is null) = false),
        c text check (length(c) > 0 and c is not null), d text, e text,
        alt text, other text check (length(other) > 0),
        check (d is not null and e <> '')
      );
      insert into users
        select g, case when g % 2 = 0 then 'Ada' end, 'n' || g, 'e' || g, 'd' || g, 'k' || g, 'a', 'b', 'c', 'd', 'e', 'alt' || g, 'o'
        from generate_series(1, 100) g;
      create view users_nick_fallback as select id, coalesce(name, nick) as name from users;
      create view users_email_fallback as select id, coalesce(name, email) as name from users;
      create view users_deep_fallback as select id, coalesce(name, deep) as name from users;
      create view users_domain_check_fallback as select id, coalesce(name, checked) as name from users;
      create view users_nonnulls_fallback as select id, coalesce(name, a) as name from users;
      create view users_isnull_false_fallback as select id, coalesce(name, b) as name from users;
      create view users_anded_fallback as select id, coalesce(name, c) as name from users;
      create view users_two_column_fallback as select id, coalesce(name, d) as name from users;
      create view users_case_fallback as select id, case when name is null then email else name end as name from users;
      create view users_alt_fallback as select id, coalesce(name, alt) as name from users;
      create view users_other_fallback as select id, coalesce(name, other) as name from users;
      create view users_id_fallback as select id, coalesce(name, id::text) as name from users;

      create table people (id int, name text, nick text) partition by range (nick);
      create table people_all partition of people for values from (minvalue) to (maxvalue);
      insert into people select g, case when g % 2 = 0 then 'Ada' end, 'n' || g from generate_series(1, 100) g;
      create table tagged (id int primary key, name text, tag text, tag_upper text generated always as (upper(tag)) stored check (tag_upper is not null));
      insert into tagged (id, name, tag) select g, case when g % 2 = 0 then 'Ada' end, 't' || g from generate_series(1, 100) g;
      create view users_generated_input_fallback as select id, coalesce(name, tag) as name from tagged;
      create table late (id int primary key, name text, extra text);
      insert into late select g, case when g % 2 = 0 then 'Ada' end, 'x' || g from generate_series(1, 100) g;
      alter table late add constraint late_extra check (extra is not null) not valid;
      create view users_not_valid_fallback as select id, coalesce(name, extra) as name from late;
      create table listed (id int, name text, region text) partition by list (region);
      create table listed_eu partition of listed for values in ('eu');
      create table listed_us partition of listed for values in ('us');
      insert into listed select g, case when g % 2 = 0 then 'Ada' end, case when g % 3 = 0 then 'eu' else 'us' end from generate_series(1, 100) g;
      create view users_list_fallback as select id, coalesce(name, region) as name from listed;
      create view users_partition_fallback as select id, coalesce(name, nick) as name from people_all;
      create table filled (id int primary key, name text, label text);
      create function fill_label() returns trigger language plpgsql as $$ begin new.label := coalesce(new.label, 'l' || new.id); return new; end $$;
      create trigger filled_label before insert on filled for each row execute function fill_label();
      insert into filled (id, name) select g, case when g % 2 = 0 then 'Ada' end from generate_series(1, 100) g;
      create view users_trigger_fallback as select id, coalesce(name, label) as name from filled;
      create table refilled (id int primary key, name text, label text);
      insert into refilled select g, case when g % 2 = 0 then 'Ada' end, 'l' || g from generate_series(1, 100) g;
      create trigger refilled_label before update on refilled for each row execute function fill_label();
      create view users_update_trigger_fallback as select id, coalesce(name, label) as name from refilled;
      create table policed (id int primary key, name text, label text);
      insert into policed select g, case when g % 2 = 0 then 'Ada' end, 'l' || g from generate_series(1, 100) g;
      alter table policed enable row level security;
      create policy policed_label on policed for all using (true) with check (label is not null);
      create view users_policy_fallback as select id, coalesce(name, label) as name from policed;
      create table after_only (id int primary key, name text, label text);
      insert into after_only select g, case when g % 2 = 0 then 'Ada' end, 'l' || g from generate_series(1, 100) g;
      create function noted() returns trigger language plpgsql as $$ begin return null; end $$;
      create trigger after_only_noted after insert on after_only for each row execute function noted();
      create view users_after_trigger_fallback as select id, coalesce(name, label) as name from after_only;
    `);
  });
  afterAll(() => db?.close());

  it.each(CASES)('does not pass over 50 NULL names: %s', async (_name, table) => {
    // The trap is armed: half the names the value falls back from are NULL.
    const [{ nulls }] = (await db.exec('select count(*)::int as nulls from users where name is null')) as [{ nulls: number }];
    expect(nulls).toBe(50);
    expect(await statusOf(db, `{ id: c, kind: null_check, source: app, table: ${table}, columns: [name] }`)).toMatch(/never_null/);
  });

  it('control: a coalesce whose fallback is an attnotnull column is refused as never_null', async () => {
    expect(await statusOf(db, '{ id: c, kind: null_check, source: app, table: users_id_fallback, columns: [name] }')).toMatch(/never_null/);
  });

  it('control: a coalesce whose fallback the database leaves NULL-able passes when the data fills it', async () => {
    expect(await statusOf(db, '{ id: c, kind: null_check, source: app, table: users_alt_fallback, columns: [name] }')).toMatch(/^pass/);
    await db.exec('update users set alt = null where id = 1');
    expect(await statusOf(db, '{ id: c, kind: null_check, source: app, table: users_alt_fallback, columns: [name] }')).toMatch(/^fail/);
    await db.exec("update users set alt = 'alt1' where id = 1");
  });

  it('an AFTER trigger may raise, so its table\'s fallback is refused though this one keeps nothing (failing toward refusing)', async () => {
    // A trigger's function is opaque: one that raises after the write rolls it back (null-check-fill-guarantees.test.ts).
    expect(await statusOf(db, '{ id: c, kind: null_check, source: app, table: users_after_trigger_fallback, columns: [name] }')).toMatch(/never_null/);
    // The table's own column is the data, judged as before.
    await db.exec('update after_only set label = null where id = 1');
    expect(await statusOf(db, '{ id: c, kind: null_check, source: app, table: after_only, columns: [label] }')).toMatch(/^fail/);
  });

  it('a CHECK naming the fallback refuses even where it accepts NULL (failing toward refusing)', async () => {
    // `check (length(other) > 0)` accepts NULL; the column is still taken as kept, a refusal and never a pass.
    expect(await statusOf(db, '{ id: c, kind: null_check, source: app, table: users_other_fallback, columns: [name] }')).toMatch(/never_null/);
  });
});

/**
 * Synthetic data for the benchmark, built inside Postgres with generate_series (fast, no client
 * transfer): a realistic users table, its legacy copy, and a backfill with 0.1% injected mismatches.
 * Kept between runs: rebuilt only when the requested size or the data version changes.
 */
import { psqlExec } from './psql.js';

export const DATA_VERSION = 3;

const FIRST = ['Ann', 'José', 'Zoë', 'Li', 'Mary-Jane', 'Ólafur', 'Chidi', 'Ana Sofia', 'Jean', 'Émile', 'Noor', 'Wei', 'Priya', 'Mohammed', 'Yuki', 'Sean', 'Åsa', 'Zeynep', 'Lars', 'Kofi'];
const LAST = ["O'Brien", 'van der Berg', 'de la Cruz', 'Smith', 'Müller', 'Nguyễn', 'García Márquez', 'Øster', 'Kowalski', 'Ivanov', 'Tanaka', 'Okafor', 'Haddad', 'Rossi', 'Dubois', 'Silva', 'Kim', 'Jones', 'Papadopoulos', 'Cohen', 'Singh', 'Andersson', 'Novak', 'Yılmaz', 'Murphy'];

function sqlArray(values: string[]): string {
  return `array[${values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ')}]`;
}

/** Creates (or reuses) the benchmark tables with `rows` users in the database at `url`. */
export function ensureBenchData(url: string, rows: number, log: (line: string) => void): { rebuilt: boolean } {
  const marker = psqlExec(url, `select to_regclass('bench_meta') is not null;`).trim();
  if (marker === 't') {
    const existing = psqlExec(url, 'select rows || \':\' || version from bench_meta;').trim();
    if (existing === `${rows}:${DATA_VERSION}`) return { rebuilt: false };
  }
  log(`building ${rows.toLocaleString('en')} users (legacy + backfilled copy)…`);
  const first = sqlArray(FIRST);
  const last = sqlArray(LAST);
  psqlExec(url, `
set client_min_messages = warning;
drop table if exists users, users_legacy, bench_meta;
create unlogged table users_legacy (id bigint primary key, full_name text, email text, amount numeric(12,2), created_at timestamptz, deleted_at timestamptz);
insert into users_legacy
select g,
       (${first})[1 + g % ${FIRST.length}] || ' ' || (${last})[1 + (g / ${FIRST.length}) % ${LAST.length}],
       'User' || g || '@Example.com',
       round(((g::bigint * 7919) % 10000000) / 100.0, 2),
       timestamptz '2021-03-28 00:00:00+00' + (g % 100000) * interval '37 seconds',
       case when g % 97 = 0 then timestamptz '2024-01-01' end
  from generate_series(1, ${rows}) g;
create unlogged table users (id bigint primary key, full_name text, first_name text, last_name text, email text, amount numeric(12,2), amount_cents bigint, created_at timestamptz, deleted_at timestamptz);
insert into users
select id, full_name, split_part(full_name, ' ', 1), substr(full_name, strpos(full_name, ' ') + 1), lower(email), amount, (amount * 100)::bigint, created_at, deleted_at
  from users_legacy;
-- 0.1% injected mismatches, scattered: a truncated surname, a cent off, a NULL backfill.
update users set last_name = left(last_name, 2) where id % 1000 = 0;
update users set amount_cents = amount_cents + 1 where id % 1000 = 1;
update users set first_name = null where id % 1000 = 2;
vacuum analyze users_legacy;
vacuum analyze users;
create table bench_meta (rows bigint, version int);
insert into bench_meta values (${rows}, ${DATA_VERSION});
`);
  return { rebuilt: true };
}

export const BIGTABLE_DATA_VERSION = 1;

/**
 * The bigtable entries' own table, sized apart from users (--bigtable-rows): names split into
 * first and last with 0.2% mismatches (a truncated surname at id % 1000 = 0, a NULL first name at
 * 2), and an updated_at column an incremental check can rely on — set by a BEFORE INSERT OR UPDATE
 * trigger and indexed, as parity requires before it runs incrementally. The rows are loaded first
 * and the trigger and index created after, so the load is one plain insert.
 */
export function ensureBigTableData(url: string, rows: number, log: (line: string) => void): { rebuilt: boolean; seconds: number } {
  const started = performance.now();
  const marker = psqlExec(url, `select to_regclass('bigtable_meta') is not null;`).trim();
  if (marker === 't') {
    const existing = psqlExec(url, 'select rows || \':\' || version from bigtable_meta;').trim();
    if (existing === `${rows}:${BIGTABLE_DATA_VERSION}`) return { rebuilt: false, seconds: 0 };
  }
  log(`building ${rows.toLocaleString('en')} rows of bigtable_users (with an updated_at trigger and index)…`);
  psqlExec(url, `
set client_min_messages = warning;
drop table if exists bigtable_users, bigtable_meta;
drop function if exists bigtable_touch();
create unlogged table bigtable_users (id bigint primary key, full_name text, first_name text, last_name text, updated_at timestamptz not null default now());
insert into bigtable_users
select g, f || ' ' || l,
       case when g % 1000 = 2 then null else f end,
       case when g % 1000 = 0 then left(l, 2) else l end,
       timestamptz '2024-01-01 00:00:00+00' + (g % 100000) * interval '1 second'
  from generate_series(1, ${rows}) g,
       lateral (select (${sqlArray(FIRST)})[1 + g % ${FIRST.length}] as f, (${sqlArray(LAST)})[1 + (g / ${FIRST.length}) % ${LAST.length}] as l) names;
create function bigtable_touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
create trigger bigtable_touch before insert or update on bigtable_users for each row execute function bigtable_touch();
create index bigtable_users_updated_at on bigtable_users (updated_at);
vacuum analyze bigtable_users;
create table bigtable_meta (rows bigint, version int);
insert into bigtable_meta values (${rows}, ${BIGTABLE_DATA_VERSION});
`);
  return { rebuilt: true, seconds: (performance.now() - started) / 1000 };
}

/**
 * The demo's data: a `users.full_name → first_name / last_name` migration, mid-flight. Everything
 * is generated inside the database (generate_series, arrays indexed by id) so 100,000 rows take a
 * single statement and come out identical on every run and every engine. Pure: SQL text only.
 */
import { WHITESPACE_CHARACTERS } from '../compare/normalizers.js';

/** Bump when the generated data changes, so existing demo databases are reseeded. */
export const DATASET_VERSION = 2;

/** Rows in users_legacy (users holds the same ids, give or take the deliberate defects). */
export const DEMO_ROWS = 100_000;

/** SQL string literal, for the fixed name pools below (never user input). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function textArray(values: readonly string[]): string {
  return `array[${values.map(literal).join(', ')}]::text[]`;
}

// Pool sizes are prime so the id multipliers below walk every entry before repeating.
const FIRST_NAMES = [
  'James', 'Mary', 'José', 'Zoë', 'Søren', 'Łukasz', 'Siobhán', 'Aoife', 'Mohammed', 'Fatima', 'Wei', '山田',
  'Yuki', 'Olga', 'Chloé', 'Priya', 'Ahmed', 'Anna', 'Björn', 'François', 'Ingrid', 'Kwame', 'Lucía', 'Mateo',
  'Noor', 'Oisín', 'Renée', 'Sven', 'Tomás', 'Ümit', 'Zainab', '지훈', 'Dmitri', 'Amélie', 'Jürgen', 'Thandiwe', 'Ngọc',
] as const;
const LAST_NAMES = [
  'Smith', 'García', "O'Brien", 'van der Berg', 'de la Cruz', 'Smith-Jones', 'Müller', 'Nakamura', '太郎',
  'Kowalski', "D'Angelo", 'Ó Súilleabháin', 'MacDonald', 'al-Hashimi', 'Nguyễn', 'dos Santos', 'Van Damme',
  'St. John', 'Løwe', 'Østergaard', 'Papadopoulos', 'Le Blanc', 'da Silva', 'von Trapp', 'Ibrahim', 'Kim',
  'Okonkwo', 'Fernández-López', 'Ní Bhriain', 'ten Brink', 'Abu Bakr', 'Šimić', 'Żółć', 'Ben-David', 'McAllister',
  'del Río', 'Yılmaz', 'Haʻaheo', 'Ferreira', 'Dubois', 'Andersson',
] as const;
const MONONYMS = ['Cher', 'Björk', 'Madonna', '李小龍', 'Pelé', 'Zendaya', 'Ronaldinho', 'Sukarno', 'Adele', 'Teller', 'Rihanna'] as const;
const EMOJI = ['😀', '🌸', '🚀', '👩🏽‍💻', '🇮🇪', '🦄', '✨'] as const;

/** Postgres expression for the whitespace the `trim` and `collapse_whitespace` normalisers act on. */
export const WHITESPACE_SQL = `(${[...WHITESPACE_CHARACTERS].map((c) => `chr(${c.codePointAt(0)})`).join(' || ')})`;

/**
 * The backfill's rule, as SQL over a `full_name` column: whitespace trimmed and collapsed, then split
 * on the first space. Single-word names get an empty last name, so NULL always means "not backfilled".
 */
export function backfillColumnsSql(fullName: string): { first: string; last: string } {
  const normalized = `regexp_replace(btrim(${fullName}, ${WHITESPACE_SQL}), '[' || ${WHITESPACE_SQL} || ']+', ' ', 'g')`;
  return {
    first: `split_part(${normalized}, ' ', 1)`,
    last: `substr(${normalized}, length(split_part(${normalized}, ' ', 1)) + 2)`,
  };
}

/**
 * Named rows at fixed ids: the messy cases a reader may want to look up, and the rows the
 * deliberate defects (defects.ts) break. Written into users_legacy before the backfill copies it.
 */
export const SHOWCASE_ROWS: readonly { id: number; fullName: string | null }[] = [
  { id: 42, fullName: '  Siobhán   O\'Brien ' },
  { id: 314, fullName: 'Seán Ó Súilleabháin' },
  { id: 777, fullName: 'Cher' },
  { id: 1001, fullName: 'Lucía de la Cruz' },
  { id: 2024, fullName: 'Pieter van der Berg' },
  { id: 2718, fullName: "Renée D'Angelo" },
  { id: 4242, fullName: 'Aoife Ní Bhriain' },
  { id: 8888, fullName: '山田 太郎' },
  { id: 12345, fullName: 'Zoë 🌸 Smith-Jones' },
  { id: 16180, fullName: 'Nguyễn\tVăn An' },
  { id: 65536, fullName: 'Jürgen\u00a0Müller' },
  { id: 99999, fullName: null },
];

/** DDL for the two tables and the seed marker; drops any previous demo first. */
export function createTablesSql(): string {
  return `
drop table if exists public.users;
drop table if exists public.users_legacy;
drop table if exists public.parity_demo_seed;
create table public.users_legacy (
  id bigint primary key,
  full_name text,
  email text not null,
  created_at timestamptz not null
);
create table public.users (
  id bigint primary key,
  full_name text,
  first_name text,
  last_name text,
  email text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
comment on table public.users_legacy is 'parity demo: the table being migrated away from';
comment on table public.users is 'parity demo: the new table, dual-written and backfilled with first_name / last_name';
create table public.parity_demo_seed (
  version integer not null,
  rows integer not null,
  seeded_at timestamptz not null default now(),
  repaired_at timestamptz
);`;
}

/**
 * Fills users_legacy with DEMO_ROWS messy names. The shape of each row is a function of its id:
 * ~1% NULL, some empty or blank, mononyms, middle names, padding, doubled spaces, tabs, no-break
 * spaces, emoji (including ZWJ sequences), apostrophes, hyphens, multi-part surnames, CJK.
 */
export function fillLegacySql(): string {
  const pick = (pool: string, index: string) => `p.${pool}[1 + (${index}) % cardinality(p.${pool})]`;
  return `
insert into public.users_legacy (id, full_name, email, created_at)
with pools as (
  select ${textArray(FIRST_NAMES)} as first, ${textArray(LAST_NAMES)} as last,
         ${textArray(MONONYMS)} as mono, ${textArray(EMOJI)} as emoji
)
select g,
  case
    when g % 97 = 0 then null
    when g % 89 = 0 then ''
    when g % 83 = 0 then '   '
    else
      (case when g % 13 = 0 then '  ' else '' end)
      || case when g % 53 = 0 then ${pick('mono', 'g / 53')}
         else ${pick('first', 'g * 7')}
           || case when g % 23 = 0 then ${pick('emoji', 'g / 23')} else '' end
           || case when g % 7 = 3 then '  ' when g % 29 = 0 then chr(9) when g % 31 = 0 then chr(160) else ' ' end
           || case when g % 5 = 0 then ${pick('first', 'g * 11 + 3')} || ' ' else '' end
           || ${pick('last', 'g * 13')}
           || case when g % 19 = 0 then ' ' || ${pick('emoji', 'g / 19')} else '' end
         end
      || case when g % 11 = 0 then ' ' when g % 37 = 0 then chr(9) when g % 41 = 0 then chr(160) else '' end
  end,
  'user' || g || '@' || (array['example.com', 'example.org', 'example.ie', 'example.jp'])[1 + g % 4],
  timestamptz '2018-01-01 00:00:00+00' + g * interval '17 minutes'
from generate_series(1, ${DEMO_ROWS}) g cross join pools p;
${SHOWCASE_ROWS.map((r) => `update public.users_legacy set full_name = ${r.fullName === null ? 'null' : literal(r.fullName)} where id = ${r.id};`).join('\n')}`;
}

/** The dual-write copy plus the backfill, done right for every row (defects.ts then breaks a few). */
export function backfillUsersSql(where = 'true'): string {
  const { first, last } = backfillColumnsSql('l.full_name');
  return `
insert into public.users (id, full_name, first_name, last_name, email, created_at, updated_at)
select l.id, l.full_name, ${first}, ${last}, l.email, l.created_at, l.created_at + interval '1 day'
from public.users_legacy l
where ${where}`;
}

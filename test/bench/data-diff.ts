/**
 * Synthetic payments for the table_diff and shadow_read benchmarks, in two databases on the same
 * server: legacy `public.payments` (amount numeric(12,2), lower-case email) and its migrated copy
 * `billing.payments` (amount_cents bigint, email as typed), built with generate_series from one
 * formula per column so both sides agree row for row. Kept between runs (rebuilt only when the
 * size or DATA_VERSION changes). Drift — 0.1% scattered differences — is applied to the app copy
 * and restored afterwards; both steps are idempotent, and a leftover drift is restored on start.
 */
import { psqlExec } from './psql.js';

export const PAYMENTS_DATA_VERSION = 1;

const META = 'payments_bench_meta';

/** The shared column formulas of row `g` (a bigint); only amount and email differ by side. */
function paymentRow(g: string, side: 'legacy' | 'app'): string {
  const cents = `((${g} * 104729) % 10000000)`;
  return [
    g,
    `1 + (${g} * 7919) % 500000`,
    side === 'legacy' ? `${cents} / 100.0` : cents,
    `(array['EUR','USD','GBP','CHF'])[1 + ${g} % 4]`,
    `(array['settled','settled','pending','refunded','failed'])[1 + (${g} / 7) % 5]`,
    side === 'legacy' ? `'user' || ${g} || '@example.com'` : `'User' || ${g} || '@Example.com'`,
    `timestamptz '2020-01-01 00:00:00+00' + ${g} * interval '3 seconds' + ((${g} * 37) % 1000000) * interval '1 microsecond'`,
    // Commas, quotes and parentheses exercise the record serialisation; NULLs on 90% of rows.
    `case when ${g} % 10 = 0 then 'refund, "partial" (ticket ' || ${g} % 977 || ')' end`,
  ].join(', ');
}

const TABLES = {
  legacy: {
    name: 'public.payments',
    ddl: 'create unlogged table public.payments (id bigint not null, customer_id bigint, amount numeric(12,2), currency text, status text, email text, created_at timestamptz, note text)',
  },
  app: {
    name: 'billing.payments',
    ddl: 'create schema if not exists billing;\ncreate unlogged table billing.payments (id bigint not null, customer_id bigint, amount_cents bigint, currency text, status text, email text, created_at timestamptz, note text)',
  },
} as const;

function isCurrent(url: string, rows: number): boolean {
  if (psqlExec(url, `select to_regclass('${META}') is not null;`).trim() !== 't') return false;
  return psqlExec(url, `select rows || ':' || version from ${META};`).trim() === `${rows}:${PAYMENTS_DATA_VERSION}`;
}

function build(url: string, side: 'legacy' | 'app', rows: number): void {
  const table = TABLES[side];
  psqlExec(url, `
set client_min_messages = warning;
drop table if exists ${table.name}, ${META};
${table.ddl};
insert into ${table.name} select ${paymentRow('g', side)} from generate_series(1::bigint, ${rows}) g;
alter table ${table.name} add primary key (id);
vacuum analyze ${table.name};
create table ${META} (rows bigint, version int, drift boolean not null default false);
insert into ${META} values (${rows}, ${PAYMENTS_DATA_VERSION}, false);
`);
}

/** Creates (or reuses) both payments tables with `rows` rows; restores a drift left by a crash. */
export function ensurePaymentsData(urls: { legacy: string; app: string }, rows: number, log: (line: string) => void): { rebuilt: boolean } {
  let rebuilt = false;
  for (const side of ['legacy', 'app'] as const) {
    if (isCurrent(urls[side], rows)) continue;
    log(`building ${rows.toLocaleString('en')} payments in ${TABLES[side].name} (${side})…`);
    build(urls[side], side, rows);
    rebuilt = true;
  }
  if (psqlExec(urls.app, `select drift from ${META};`).trim() === 't') {
    log('restoring payments drift left by an interrupted run…');
    restoreDrift(urls.app, rows);
  }
  return { rebuilt };
}

/** The drifted keys: one per block of 1,000 ids at a scattered offset; `k % 4` picks the kind. */
function driftKeys(rows: number, kinds: readonly number[]): string {
  const blocks = Math.floor(rows / 1000);
  return `select 1000 * k + 1 + (k * 379) % 1000 as id, k from generate_series(0::bigint, ${blocks - 1}) k where k % 4 in (${kinds.join(', ')})`;
}

/** The differences applyDrift injects, as table_diff must report them. */
export interface ExpectedDrift { missing_in_new: number; missing_in_old: number; changed: number; total: number }

export function expectedDrift(rows: number): ExpectedDrift {
  const blocks = Math.floor(rows / 1000);
  const count = (kind: number) => (blocks > kind ? Math.floor((blocks - 1 - kind) / 4) + 1 : 0);
  return { missing_in_new: count(0), changed: count(1) + count(2), missing_in_old: count(3), total: blocks };
}

/**
 * 0.1% scattered differences in the app copy: a quarter deleted, a quarter with a cent more, a
 * quarter with another status, and a quarter of new ids (beyond `rows`) inserted.
 */
export function applyDrift(url: string, rows: number): void {
  psqlExec(url, `
begin;
update ${META} set drift = true;
update billing.payments set amount_cents = amount_cents + 1 where id = any(array(select id from (${driftKeys(rows, [1])}) d));
update billing.payments set status = 'disputed' where id = any(array(select id from (${driftKeys(rows, [2])}) d));
delete from billing.payments where id = any(array(select id from (${driftKeys(rows, [0])}) d));
insert into billing.payments select ${paymentRow('g', 'app')} from (select ${rows} + 1 + k as g from (${driftKeys(rows, [3])}) d) s;
commit;
`);
}

/** Puts every drifted row back as the formula makes it (idempotent), then vacuums. */
export function restoreDrift(url: string, rows: number): void {
  psqlExec(url, `
begin;
delete from billing.payments where id = any(array(select id from (${driftKeys(rows, [0, 1, 2, 3])}) d)) or id > ${rows};
insert into billing.payments select ${paymentRow('g', 'app')} from (select id as g from (${driftKeys(rows, [0, 1, 2, 3])}) d) s;
update ${META} set drift = false;
commit;
vacuum analyze billing.payments;
`);
}

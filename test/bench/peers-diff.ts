/**
 * table_diff's yardsticks besides psql: pg_comparator (Debian package postgresql-comparator) with
 * its default `ck` checksum, and the built-in-hash floor — `sum(hashtextextended(t::text, 0))` of
 * each side, both sides at once through psql. Both are timed as whole processes, between parity's
 * runs (interleaved, so a noisy neighbour slows both alike).
 */
import { spawnSync } from 'node:child_process';
import { median } from './psql.js';
import { psqlExec } from './psql.js';

/** The app side as the legacy table looks, so pg_comparator compares like with like (parity maps columns itself). */
const APP_AS_LEGACY_VIEW = 'billing.payments_as_legacy';
const COLUMNS = 'customer_id,amount,currency,status,email,created_at,note';

/** A libpq URL (postgres://user@host:port/db) as pg_comparator's pgsql://user@host:port/db/schema.table?key:cols. */
function comparatorUrl(url: string, table: string): string {
  const u = new URL(url);
  return `pgsql://${u.username}@${u.hostname}:${u.port || '5432'}${u.pathname}/${table}?id:${COLUMNS}`;
}

export type PgComparator =
  | { available: true; command: string[]; time(): { ms: number; stats: Record<string, number> } }
  | { available: false; reason: string };

/**
 * pg_comparator ready to run on the two payments tables, or why not: the binary must be on PATH
 * (`apt-get install postgresql-comparator`) and its `pgcmp` extension creatable on both databases.
 */
export function preparePgComparator(urls: { legacy: string; app: string }): PgComparator {
  const which = spawnSync('sh', ['-c', 'command -v pg_comparator'], { encoding: 'utf8' });
  if (which.status !== 0) return { available: false, reason: 'pg_comparator is not on PATH (Debian: apt-get install postgresql-comparator)' };
  try {
    for (const url of [urls.legacy, urls.app]) psqlExec(url, 'create extension if not exists pgcmp;');
    psqlExec(urls.app, `create or replace view ${APP_AS_LEGACY_VIEW} as select id, customer_id, (amount_cents / 100.0)::numeric(12,2) as amount,
      currency, status, lower(email) as email, created_at, note from billing.payments;`);
  } catch (error) {
    return { available: false, reason: `pg_comparator's extension pgcmp could not be created: ${(error as Error).message.split('\n')[0]}` };
  }
  const command = ['pg_comparator', '--stats=txt', comparatorUrl(urls.legacy, 'public.payments'), comparatorUrl(urls.app, APP_AS_LEGACY_VIEW)];
  return {
    available: true,
    command,
    time() {
      const started = performance.now();
      const run = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const ms = performance.now() - started;
      // Exit 1 means "differences found" (it prints them); anything else is a failure to compare.
      if (run.status !== 0 && run.status !== 1) throw new Error(`pg_comparator failed (exit ${run.status}): ${run.stderr.slice(0, 500)}`);
      return { ms, stats: statsOf(run.stdout + run.stderr) };
    },
  };
}

/** `name: number` lines of pg_comparator's --stats=txt output. */
function statsOf(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^\s*([a-z][\w ]*?)\s*[:=]\s*(-?\d+(?:\.\d+)?)\s*$/gim)) out[m[1]!.trim().replaceAll(' ', '_')] = Number(m[2]);
  return out;
}

/** The floor: each side's whole rows hashed by the built-in hash and summed, both at once (two psql processes). */
export function timeFloor(urls: { legacy: string; app: string }): number {
  const q = (url: string, table: string) => `psql -X -q -A -t -v ON_ERROR_STOP=1 '${url}' -c 'select sum(hashtextextended(t::text, 0)) from ${table} t' >/dev/null`;
  const script = `${q(urls.legacy, 'public.payments')} & a=$!; ${q(urls.app, 'billing.payments')} & b=$!; wait $a && wait $b`;
  const started = performance.now();
  const run = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
  const ms = performance.now() - started;
  if (run.status !== 0) throw new Error(`the floor query failed: ${run.stderr}`);
  return ms;
}

/** Collects interleaved timings; the first call (during parity's warm-up slot) is their own warm-up. */
export function interleaved<T>(time: () => T, msOf: (value: T) => number) {
  const values: T[] = [];
  return {
    between(): void { values.push(time()); },
    median(): number { return median(values.slice(1).map(msOf)); },
    last(): T | undefined { return values.at(-1); },
  };
}

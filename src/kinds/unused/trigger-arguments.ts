/**
 * Triggers whose arguments name the shape. A trigger function reads the columns or tables its
 * arguments name — `tsvector_update_trigger(tsv, 'pg_catalog.simple', full_name)` and contrib's
 * `moddatetime(updated_at)` in C, a PL function through TG_ARGV in dynamic SQL — yet Postgres
 * records no dependency on them and a C function has no body to read. Whatever the function's
 * language, an argument naming a listed column of the trigger's table, or a listed table, is a use.
 */
import { sql, type SQL } from '../../sql/build.js';
import type { CatalogTarget } from './plan-catalog.js';
import { mentionsWord, type ShapeTarget } from './targets.js';
import type { Dependency } from './verdict.js';

/** A trigger with arguments: its table's oid, how results name it, and its arguments (hex of pg_trigger.tgargs). */
export type TriggerArgumentsRow = { relid: string; trigger: string; function: string; args_hex: string; nargs: number };

/**
 * Every user trigger that has arguments, anywhere in the database: one on another table may name
 * a listed table (`execute function audit_into('users_legacy')`). tgargs is a bytea of
 * NUL-terminated strings, read as hex so no encoding is guessed in SQL.
 */
export function planTriggerArguments(): SQL {
  return sql`select tg.tgrelid::text as relid, format('%I on %s', tg.tgname, tg.tgrelid::regclass) as trigger,
      tg.tgfoid::regproc::text as function, encode(tg.tgargs, 'hex') as args_hex, tg.tgnargs::int as nargs
    from pg_trigger tg
    where not tg.tgisinternal and tg.tgnargs operator(pg_catalog.>) 0
    order by 2`;
}

/** The trigger's arguments as the function receives them (TG_ARGV, tgargs[]). */
export function triggerArguments(row: Pick<TriggerArgumentsRow, 'args_hex' | 'nargs'>): string[] {
  return Buffer.from(row.args_hex, 'hex').toString('utf8').split('\0').slice(0, row.nargs);
}

/**
 * The uses trigger arguments make: on a relation carrying a listed column, an argument naming the
 * column (by word: `full_name`, `"full_name"`, `select full_name from …`); on any other relation,
 * an argument naming a listed relation. A trigger on the listed table naming that table goes with it.
 */
export function triggerArgumentUses(rows: readonly TriggerArgumentsRow[], targets: readonly ShapeTarget[], catalog: readonly CatalogTarget[]): Dependency[] {
  const uses: Dependency[] = [];
  for (const row of rows) {
    const args = triggerArguments(row);
    for (const target of targets) {
      const onTarget = catalog.some((c) => c.label === target.label && c.oid === row.relid);
      const names = onTarget
        ? target.column !== undefined && args.some((a) => mentionsWord(a, target.column!))
        : args.some((a) => target.relations.some((r) => mentionsWord(a, r.name)));
      if (names) {
        const list = args.map((a) => `'${a.replaceAll("'", "''")}'`).join(', ');
        uses.push({ target: target.label, kind: 'trigger', object: `${row.trigger} (calls ${row.function}(${list}): its arguments name ${target.label}; Postgres records no dependency)` });
      }
    }
  }
  return uses;
}


/**
 * Is a change-marking column maintained on every write? Asked of the catalog: only a BEFORE … FOR
 * EACH ROW trigger that fires on every UPDATE (no column list, no WHEN) and whose function names
 * the column covers updates; a DEFAULT covers only INSERTs that do not name the column. The same
 * statement reads the server's now() (on a standby: no later than the last replayed commit), the
 * watermark of the pass about to start.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';

// pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h).
const ROW = 1, BEFORE = 2, INSERT = 4, UPDATE = 16;

/** The server's now() plus what the catalog says about the column's type, default and the table's triggers. */
export function planColumnMaintenance(table: TableRef, column: string): SQL {
  const reg = sql`to_regclass(${regclassText(table)})`;
  // On a standby the watermark is the primary's commit time of the last replayed transaction when
  // that is earlier: rows the primary committed but the standby has not replayed are not missed.
  return sql`select case when pg_is_in_recovery() then least(now(), pg_last_xact_replay_timestamp()) else now() end as server_now,
    (select format_type(a.atttypid, a.atttypmod) from pg_attribute a where a.attrelid = ${reg} and a.attname = ${column} and a.attnum > 0 and not a.attisdropped) as column_type,
    (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where d.adrelid = ${reg} and a.attname = ${column}) as column_default,
    coalesce((select jsonb_agg(jsonb_build_object('name', t.tgname, 'type', t.tgtype, 'enabled', t.tgenabled,
        'column_list', cardinality(t.tgattr::int2[]) > 0, 'has_when', t.tgqual is not null, 'function', p.proname, 'source', p.prosrc) order by t.tgname)
      from pg_trigger t join pg_proc p on p.oid = t.tgfoid where t.tgrelid = ${reg} and not t.tgisinternal), '[]'::jsonb) as triggers`;
}

interface TriggerRow { name: string; type: number; enabled: string; column_list: boolean; has_when: boolean; function: string; source: string | null }

/** The catalog's answer, judged. */
export interface ColumnMaintenance {
  serverNow: Date;
  /** The column exists and is timestamptz (comparable with the server's now() whatever a session's TimeZone). */
  typeProblem?: string | undefined;
  /** The trigger covering UPDATEs, if any. */
  updateTrigger?: string | undefined;
  /** What covers INSERTs: a trigger, a DEFAULT, or nothing. */
  insertCoveredBy?: { trigger: string } | { default: string } | undefined;
  maintained: boolean;
  /** One line a person reads: what maintains the column, or what is missing. */
  description: string;
}

/**
 * The function body assigns NEW.<column> (`NEW.updated_at := …` or `= …`, the name quoted or not).
 * Text evidence, not proof: a conditional assignment also matches (docs/checks.md says so).
 */
function assigns(source: string | null, column: string): boolean {
  if (!source) return false;
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const name = column === column.toLowerCase() ? `(?:${escaped}|"${escaped}")` : `"${escaped}"`;
  return new RegExp(`(^|[^A-Za-z0-9_$])new\\s*\\.\\s*${name}\\s*:?=`, 'i').test(source);
}

/** Judges the row of planColumnMaintenance (pure). */
export function judgeColumnMaintenance(row: Record<string, unknown> | undefined, column: string): ColumnMaintenance {
  if (!row) throw new Error('the catalog question returned no row');
  const serverNow = row.server_now instanceof Date ? row.server_now : new Date(String(row.server_now));
  const raw = typeof row.triggers === 'string' ? JSON.parse(row.triggers) : row.triggers;
  const triggers = (raw ?? []) as TriggerRow[];
  const type = row.column_type as string | null;
  const typeProblem = type === null || type === undefined
    ? `the table has no column "${column}"`
    : type !== 'timestamp with time zone' ? `column "${column}" is ${type}; incremental needs timestamp with time zone (compared with the server's now())` : undefined;
  // A trigger disabled, replica-only ('R'), limited to some columns or guarded by WHEN misses writes.
  const maintaining = triggers.filter((t) => (t.type & ROW) && (t.type & BEFORE) && (t.enabled === 'O' || t.enabled === 'A')
    && !t.column_list && !t.has_when && assigns(t.source, column));
  const onUpdate = maintaining.find((t) => t.type & UPDATE);
  const onInsert = maintaining.find((t) => t.type & INSERT);
  const fallback = row.column_default as string | null;
  const insertCoveredBy = onInsert ? { trigger: onInsert.name } : fallback ? { default: fallback } : undefined;
  const maintained = typeProblem === undefined && onUpdate !== undefined && insertCoveredBy !== undefined;
  const parts = [
    onUpdate ? `BEFORE UPDATE trigger ${onUpdate.name} (function ${onUpdate.function}) sets ${column}` : `no enabled BEFORE UPDATE FOR EACH ROW trigger (without a column list or WHEN) whose function sets ${column}`,
    insertCoveredBy === undefined ? 'nothing sets it on INSERT (no trigger, no DEFAULT)'
      : 'trigger' in insertCoveredBy ? `INSERTs: trigger ${insertCoveredBy.trigger}`
        : `INSERTs: DEFAULT ${insertCoveredBy.default} (an INSERT naming an older ${column} is caught only by the next full pass)`,
  ];
  return { serverNow, typeProblem, updateTrigger: onUpdate?.name, insertCoveredBy, maintained, description: typeProblem ?? parts.join('; ') };
}

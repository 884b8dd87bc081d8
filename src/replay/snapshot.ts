/**
 * Database state as data: every table in the replay schema, rows keyed by primary key, each row as
 * Postgres renders it in JSON (exact numerics, microsecond timestamps). Comparing two snapshots
 * tells which keys a defect changed — the keys a check should name.
 */
import type { Query } from './database.js';
import { quoteIdent } from './quote.js';

/** A row's identity: its table and key column values as text. */
export interface KeyRef {
  table: string;
  key: Record<string, string>;
}

/** One table's rows, by key. */
export interface TableState {
  keyColumns: string[];
  /** Key (JSON array of key values as text) → rendered rows; more than one only without a primary key. */
  rows: Map<string, string[]>;
}

/** Every compared table, by name. */
export type Snapshot = Map<string, TableState>;

/** A key whose rows differ between two snapshots. */
export interface RowDifference extends KeyRef {
  before: string[];
  after: string[];
}

const TABLES_SQL = `
  select c.relname::text as name,
         coalesce((select json_agg(a.attname::text order by array_position(i.indkey::int2[], a.attnum))
                     from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                    where i.indrelid = c.oid and i.indisprimary)::text, '[]') as key_columns
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p')
   order by 1`;

/** Primary-key columns of every table in the replay schema. */
export async function tableKeys(query: Query): Promise<Map<string, string[]>> {
  const rows = await query(TABLES_SQL);
  return new Map(rows.map((r) => [String(r.name), JSON.parse(String(r.key_columns)) as string[]]));
}

/** Reads every table of `tables` (name → key columns, from tableKeys) except `ignore`, in one statement. */
export async function takeSnapshot(query: Query, tables: ReadonlyMap<string, string[]>, ignore: readonly string[]): Promise<Snapshot> {
  const snapshot: Snapshot = new Map();
  const parts: string[] = [];
  for (const [table, keyColumns] of tables) {
    if (ignore.includes(table)) continue;
    snapshot.set(table, { keyColumns, rows: new Map() });
    const keySql = keyColumns.length > 0 ? `json_build_array(${keyColumns.map((k) => `(t.${quoteIdent(k)})::text`).join(', ')})::text` : 'row_to_json(t)::text';
    parts.push(`select ${parts.length} as i, ${keySql} as key, row_to_json(t)::text as row from ${quoteIdent(table)} t`);
  }
  if (parts.length === 0) return snapshot;
  const states = [...snapshot.values()];
  for (const r of await query(parts.join(' union all '))) {
    const state = states[Number(r.i)]!;
    const key = String(r.key);
    state.rows.set(key, [...(state.rows.get(key) ?? []), String(r.row)].sort());
  }
  return snapshot;
}

function keyObject(keyColumns: readonly string[], key: string): Record<string, string> {
  if (keyColumns.length === 0) return { row: key };
  const values = JSON.parse(key) as (string | null)[];
  return Object.fromEntries(keyColumns.map((c, i) => [c, String(values[i])]));
}

/** Rows that differ between two snapshots (added, removed or changed), table by table. Pure. */
export function diffSnapshots(before: Snapshot, after: Snapshot): RowDifference[] {
  const differences: RowDifference[] = [];
  for (const table of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(table);
    const b = after.get(table);
    const keyColumns = a?.keyColumns ?? b?.keyColumns ?? [];
    const keys = new Set([...(a?.rows.keys() ?? []), ...(b?.rows.keys() ?? [])]);
    for (const key of [...keys].sort()) {
      const rowsBefore = a?.rows.get(key) ?? [];
      const rowsAfter = b?.rows.get(key) ?? [];
      if (rowsBefore.length === rowsAfter.length && rowsBefore.every((r, i) => r === rowsAfter[i])) continue;
      differences.push({ table, key: keyObject(keyColumns, key), before: rowsBefore, after: rowsAfter });
    }
  }
  return differences;
}

/** The distinct keys (by column values, across tables) among the differences. */
export function affectedKeys(differences: readonly RowDifference[]): KeyRef[] {
  const seen = new Map<string, KeyRef>();
  for (const d of differences) seen.set(`${d.table}\u0000${JSON.stringify(d.key)}`, { table: d.table, key: d.key });
  return [...seen.values()];
}

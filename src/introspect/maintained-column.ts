/**
 * Is a change-marking column maintained on every write? Asked of the catalog, for the table and
 * every table that inherits from it or is one of its partitions (each holds rows of its own and
 * fires its own triggers — a trigger disabled on one partition misses that partition's writes):
 * an UPDATE is covered only by an enabled BEFORE … FOR EACH ROW trigger without a column list or
 * WHEN whose PL/pgSQL function sets the column to the current time on every call
 * (introspect/trigger-function.ts reads the function with the PL/pgSQL parser), when no trigger
 * firing after it (triggers fire in name order) may overwrite the column; an INSERT by such a
 * trigger too. A DEFAULT covers no INSERT: it is used only where the insert does not name the
 * column, and a backfill copying its source's stamps, COPY with a column list or a restore of data
 * names it with an old value (or NULL) no incremental pass would read. An unqualified now() (or a cast to
 * timestamptz) that another schema could shadow through search_path — whatever its arguments, as
 * defaults can make it callable with none — is not taken as the current time. The same statement reads the
 * server's now() (on a standby: no later than the last replayed commit), the watermark of the pass
 * about to start, and the hierarchy's catalog version (table-state.ts), which a chain must keep.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import { columnWritesOf, CURRENT_TIME_FUNCTION_NAMES, isCurrentTimeDefault, type ColumnWrites } from './trigger-function.js';
import { readTableState, tableStateSql } from './table-state.js';
import { judgeWatermark, watermarkColumnsSql, type Watermark } from './watermark.js';

// pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h).
const ROW = 1, BEFORE = 2, INSERT = 4, UPDATE = 16;

/** The server's now() plus what the catalog says about the column's type, defaults and the triggers of the table and its descendants. */
export function planColumnMaintenance(table: TableRef, column: string): SQL {
  const reg = sql`to_regclass(${regclassText(table)})`;
  // The clocks the watermark is judged from (watermark.ts): on a standby the primary's commit time
  // of the last replayed transaction, on a primary the start of the oldest open transaction.
  return sql`with recursive tree(relid) as (
      select ${reg}::oid where ${reg} is not null
      union select i.inhrelid from pg_inherits i join tree on i.inhparent = tree.relid)
    select ${watermarkColumnsSql()},
    ${tableStateSql()} as table_state,
    (select string_agg(distinct sr.srrelid::regclass::text, ', ') from pg_subscription_rel sr
      where sr.srrelid in (select relid from tree) or sr.srrelid in (select a.relid from pg_partition_ancestors(${reg}) as a(relid))) as subscribed,
    ${replicaRoleSettingsSql(reg)} as replica_role_settings,
    (select format_type(a.atttypid, a.atttypmod) from pg_attribute a where a.attrelid = ${reg} and a.attname = ${column} and a.attnum > 0 and not a.attisdropped) as column_type,
    (select a.attgenerated::text from pg_attribute a where a.attrelid = ${reg} and a.attname = ${column} and a.attnum > 0 and not a.attisdropped) as column_generated,
    (exists (select 1 from pg_proc p where p.proname = any(string_to_array(${CURRENT_TIME_FUNCTION_NAMES.join(',')}, ','))
        and p.pronamespace <> 'pg_catalog'::regnamespace)
      or exists (select 1 from pg_type y where y.typname = 'timestamptz' and y.typnamespace <> 'pg_catalog'::regnamespace)) as time_function_shadowed,
    coalesce((select jsonb_agg(jsonb_build_object('relation', c.oid::regclass::text, 'kind', c.relkind::text,
        'column_default', (select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
          where d.adrelid = c.oid and a.attname = ${column}),
        'triggers', coalesce((select jsonb_agg(jsonb_build_object('name', t.tgname, 'type', t.tgtype, 'enabled', t.tgenabled,
            'column_list', cardinality(t.tgattr::int2[]) > 0, 'has_when', t.tgqual is not null, 'function', p.oid::regprocedure::text,
            'language', l.lanname, 'definition', case when l.lanname = 'plpgsql' then pg_get_functiondef(p.oid) end)
            order by t.tgname collate "C")
          from pg_trigger t join pg_proc p on p.oid = t.tgfoid join pg_language l on l.oid = p.prolang
          where t.tgrelid = c.oid and not t.tgisinternal), '[]'::jsonb)) order by c.oid)
      from tree join pg_class c on c.oid = tree.relid), '[]'::jsonb) as relations`;
}

/**
 * Who is configured to write as a replica session — `session_replication_role = replica` as the
 * server's setting, or set for this database or for a role that may write the table (`ALTER
 * DATABASE … SET`, `ALTER ROLE … [IN DATABASE …] SET`: a bulk loader, a replication tool's role).
 * Ordinary (O) triggers do not fire for any write of theirs: the catalog shows the assumption "no
 * write runs as a replica session" false, as a subscription does.
 */
function replicaRoleSettingsSql(reg: SQL): SQL {
  return sql`nullif(concat_ws(', ',
      case when (select s.reset_val from pg_settings s where s.name = 'session_replication_role') = 'replica' then 'the server''s setting' end,
      (select string_agg(distinct case when s.setrole = 0 and s.setdatabase = 0 then 'every role (ALTER ROLE ALL)'
          when s.setrole = 0 then format('database %I', current_database())
          else format('role %I', r.rolname) || case when s.setdatabase <> 0 then ' in this database' else '' end end, ', ')
        from pg_db_role_setting s left join pg_roles r on r.oid = s.setrole
        where s.setdatabase in (0, (select d.oid from pg_database d where d.datname = current_database()))
          and exists (select 1 from unnest(s.setconfig) as c(setting) where lower(replace(c.setting, ' ', '')) = 'session_replication_role=replica')
          and (s.setrole = 0 or (r.oid is not null and has_table_privilege(r.oid, ${reg}, 'INSERT, UPDATE'))))), '')`;
}

interface TriggerRow { name: string; type: number; enabled: string; column_list: boolean; has_when: boolean; function: string; language: string; definition: string | null }
interface RelationRow { relation: string; kind: string; column_default: string | null; triggers: TriggerRow[] }

/** The catalog's answer, judged. */
export interface ColumnMaintenance extends Watermark {
  /** The catalog version of the table and every table under it (table-state.ts); null when the table was not found. */
  tableState: string | null;
  /** The column exists and is timestamptz (comparable with the server's now() whatever a session's TimeZone). */
  typeProblem?: string | undefined;
  /** The trigger covering UPDATEs (of the table itself, or of its first partition), if any. */
  updateTrigger?: string | undefined;
  /** The trigger covering INSERTs, if any (a DEFAULT never does: an INSERT may name the column). */
  insertCoveredBy?: { trigger: string } | undefined;
  maintained: boolean;
  /** One line a person reads: what maintains the column (and what that assumes), or what is missing. */
  description: string;
}

/** One relation's coverage of one kind of write. */
type TriggerCoverage = { trigger: string; function: string } | { missing: string };

/**
 * Which trigger covers this event on this relation: the first (in firing order) that stamps the
 * column on every call, provided no trigger firing after it for the same event may overwrite it.
 */
function triggerCoverage(triggers: TriggerRow[], event: number, column: string, shadowed: boolean, writesOf: (t: TriggerRow) => ColumnWrites): TriggerCoverage {
  const live = triggers.filter((t) => (t.type & ROW) && (t.type & BEFORE) && (t.type & event) && t.enabled !== 'D');
  const reasons: string[] = [];
  for (const [i, t] of live.entries()) {
    if (t.enabled !== 'O' && t.enabled !== 'A') { reasons.push(`${t.name} fires only in replica sessions`); continue; }
    if (t.column_list) { reasons.push(`${t.name} fires only for UPDATE OF some columns`); continue; }
    if (t.has_when) { reasons.push(`${t.name} has a WHEN condition`); continue; }
    const writes = writesOf(t);
    if (!writes.stampsColumn) { reasons.push(`${t.name} (${t.function}): ${writes.reason}`); continue; }
    if (shadowed) { reasons.push(`${t.name}: a function named like now() exists outside pg_catalog, so an unqualified call may not be the current time`); continue; }
    const later = live.slice(i + 1).find((u) => writesOf(u).mayOverwrite);
    if (later) { reasons.push(`${later.name} fires after ${t.name} and may overwrite ${column} (${writesOf(later).reason})`); continue; }
    return { trigger: t.name, function: t.function };
  }
  return { missing: reasons.length > 0 ? reasons.join('; ') : `no enabled BEFORE ${event === UPDATE ? 'UPDATE' : 'INSERT'} FOR EACH ROW trigger` };
}

/** Judges the row of planColumnMaintenance (pure, but needs the SQL parser loaded). */
export function judgeColumnMaintenance(row: Record<string, unknown> | undefined, column: string): ColumnMaintenance {
  if (!row) throw new Error('the catalog question returned no row');
  const clocks = judgeWatermark(row);
  const raw = typeof row.relations === 'string' ? JSON.parse(row.relations) : row.relations;
  const relations = (raw ?? []) as RelationRow[];
  const shadowed = row.time_function_shadowed === true;
  const type = row.column_type as string | null;
  // A generated column's value is its expression's: a BEFORE trigger's assignment to it is discarded.
  const generated = typeof row.column_generated === 'string' && row.column_generated !== '';
  const typeProblem = type === null || type === undefined
    ? `the table has no column "${column}"`
    : type !== 'timestamp with time zone' ? `column "${column}" is ${type}; incremental needs timestamp with time zone (compared with the server's now())`
      : generated ? `column "${column}" is GENERATED ALWAYS AS (…): its value is the expression's, and a trigger's assignment to it is discarded` : undefined;
  const analysed = new Map<string, ColumnWrites>();
  const writesOf = (t: TriggerRow): ColumnWrites => {
    const key = `${t.function}\u0000${t.definition ?? ''}`;
    let writes = analysed.get(key);
    if (!writes) {
      writes = t.language !== 'plpgsql' || t.definition === null
        ? { stampsColumn: false, mayOverwrite: true, reason: `its function is ${t.language}, which parity cannot read` }
        : columnWritesOf(t.definition, column);
      analysed.set(key, writes);
    }
    return writes;
  };
  // Rows live in plain tables; a partitioned table's own triggers are templates cloned onto its partitions.
  const holding = relations.filter((r) => r.kind !== 'p');
  const problems: string[] = [];
  let updateTrigger: string | undefined;
  let insertCoveredBy: ColumnMaintenance['insertCoveredBy'];
  let replicaRoleSkips = false;
  // A logical-replication subscription writes through an apply worker that runs as a replica
  // session: ordinary (O) triggers do not fire there, and it names every column it copies, so a
  // DEFAULT is never used. Rows it writes keep the publisher's stamp, or none.
  const subscribed = typeof row.subscribed === 'string' && row.subscribed.length > 0 ? row.subscribed : undefined;
  // Writers configured to run as replica sessions (replicaRoleSettingsSql): their writes skip O triggers too.
  const configured = typeof row.replica_role_settings === 'string' && row.replica_role_settings.length > 0 ? row.replica_role_settings : undefined;
  const enabledOf = (relation: RelationRow, name: string) => relation.triggers.find((t) => t.name === name)?.enabled;
  for (const relation of holding) {
    const where = holding.length > 1 || relation.relation !== holding[0]?.relation ? `${relation.relation}: ` : '';
    if (relation.kind !== 'r') { problems.push(`${where}a relation of kind '${relation.kind}' (not a table) — parity cannot tell what writes it`); continue; }
    const onUpdate = triggerCoverage(relation.triggers, UPDATE, column, shadowed, writesOf);
    const insertTrigger = triggerCoverage(relation.triggers, INSERT, column, shadowed, writesOf);
    // A DEFAULT is filled in only where an INSERT does not name the column: a backfill keeping its
    // source's stamps (the migration being verified), COPY with a column list, a restore, an ORM
    // writing every column all name it, with an old value or NULL that no incremental pass reads.
    const fallback = relation.column_default;
    const defaultNote = fallback === null ? '; no DEFAULT'
      : isCurrentTimeDefault(fallback) ? `; DEFAULT ${fallback} covers no INSERT that names the column (a backfill copying its source's ${column}, COPY with a column list or a restore keeps the value it names): make the trigger BEFORE INSERT OR UPDATE`
        : `; DEFAULT ${fallback} is not the current time`;
    const onInsert: TriggerCoverage = 'trigger' in insertTrigger ? insertTrigger : { missing: `${insertTrigger.missing}${defaultNote}` };
    if (subscribed !== undefined) {
      const skipped = [
        ...('trigger' in onUpdate && enabledOf(relation, onUpdate.trigger) !== 'A' ? [`UPDATEs: trigger ${onUpdate.trigger} does not fire there (ALTER TABLE … ENABLE ALWAYS TRIGGER ${onUpdate.trigger})`] : []),
        ...('trigger' in onInsert && enabledOf(relation, onInsert.trigger) !== 'A' ? [`INSERTs: trigger ${onInsert.trigger} does not fire there (ENABLE ALWAYS TRIGGER)`] : []),
      ];
      if (skipped.length > 0) problems.push(`${where}a logical-replication subscription writes into ${subscribed}, through an apply worker that runs as a replica session: ${skipped.join('; ')}`);
    }
    if (configured !== undefined) {
      const skipped = [
        ...('trigger' in onUpdate && enabledOf(relation, onUpdate.trigger) !== 'A' ? [`UPDATEs: trigger ${onUpdate.trigger} does not fire there (ALTER TABLE … ENABLE ALWAYS TRIGGER ${onUpdate.trigger})`] : []),
        ...('trigger' in onInsert && enabledOf(relation, onInsert.trigger) !== 'A' ? [`INSERTs: trigger ${onInsert.trigger} does not fire there (ENABLE ALWAYS TRIGGER)`] : []),
      ];
      if (skipped.length > 0) problems.push(`${where}session_replication_role = replica is configured for ${configured}: writes in such sessions skip ordinary triggers: ${skipped.join('; ')}`);
    }
    if ('missing' in onUpdate) problems.push(`${where}UPDATEs: ${onUpdate.missing}`);
    else {
      updateTrigger ??= onUpdate.trigger;
      replicaRoleSkips ||= relation.triggers.find((t) => t.name === onUpdate.trigger)?.enabled === 'O';
    }
    if ('missing' in onInsert) problems.push(`${where}INSERTs: ${onInsert.missing}`);
    else insertCoveredBy ??= { trigger: onInsert.trigger };
    // What does cover a relation that fails is still worth saying next to what is missing.
    if (!('missing' in onInsert) && 'missing' in onUpdate) problems.push(`${where}INSERTs: trigger ${onInsert.trigger}`);
  }
  if (holding.length === 0 && typeProblem === undefined) problems.push('the table was not found');
  const maintained = typeProblem === undefined && problems.length === 0;
  const described = maintained
    ? [
      `BEFORE UPDATE trigger ${updateTrigger} sets ${column} to the current time${holding.length > 1 ? ` (on all ${holding.length} tables of the hierarchy)` : ''}`,
      `INSERTs: trigger ${insertCoveredBy?.trigger ?? ''}`,
      ...(replicaRoleSkips ? ['assumes no write runs with session_replication_role = replica or the trigger disabled (ENABLE ALWAYS covers replica sessions)'] : []),
    ].join('; ')
    : problems.join('; ');
  return { ...clocks, tableState: readTableState(row.table_state), typeProblem, updateTrigger, insertCoveredBy, maintained, description: typeProblem ?? described };
}

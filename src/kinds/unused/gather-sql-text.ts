/**
 * Gathers definitions that hand SQL to a function as text or a relation by name (views, rules,
 * defaults, policies, checks, trigger conditions, indexes, statistics, SQL routine bodies) and
 * judges what those calls read (sql-text-calls.ts). Postgres records no dependency on what such
 * SQL reads, so without this `unused` passed beside `select query_to_xml('select full_name from
 * users', …)` in a view — in both evidence modes, as the nested SQL is not counted below
 * `track = all`.
 */
import type { FaultInfo } from '../../results/fault.js';
import { sql, type SQL } from '../../sql/build.js';
import { arrayLiteralText } from '../../sql/array-literal.js';
import type { ExecutionContext } from '../types.js';
import type { FoundShape } from './gather-catalog.js';
import { STORED_TREES } from './plan-catalog.js';
import { nestedSqlRoutines } from './plan-stats.js';
import { SQL_RUNNING_FUNCTIONS } from './opaque-statements.js';
import { sqlTextUses } from './sql-text-calls.js';
import type { UnusedSpec } from './spec.js';
import type { Dependency } from './verdict.js';

/** The code of a definition whose SQL text (or relation name) is an expression, known only when it runs. */
export const SQL_TEXT_UNJUDGED = 'sql_text_unjudged';

/**
 * Every stored definition whose tree calls a SQL-running built-in, a routine of the database
 * that may run SQL it is given, or compiled code outside pg_catalog (found by `:funcid <oid> ` in the stored tree), with its kind, what
 * it is, and its text as the server deparses it (a whole statement the parser reads); plus SQL
 * routines with a string body that names one of them. The routines' names come along, as
 * `routine` rows, so a call to one is recognised in the text.
 */
export function planSqlTextDefinitions(): SQL {
  return sql`with runner(oid, name, builtin) as (
      select p.oid, p.proname::text, true from pg_proc p where p.proname operator(pg_catalog.=) any(${arrayLiteralText(SQL_RUNNING_FUNCTIONS)}::text[])
      union select p.oid, p.proname::text, false from ${nestedSqlRoutines()}
      -- Compiled code outside pg_catalog (an extension's C function, an alias of a built-in) may run
      -- SQL it is given too; dblink's are judged on their own (dblink-calls.ts).
      union select p.oid, p.proname::text, false from pg_proc p join pg_language l on l.oid operator(pg_catalog.=) p.prolang join pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
        where l.lanname in ('c', 'internal') and n.nspname not in ('pg_catalog', 'information_schema') and p.proname::text not like 'dblink%'),
    -- Every function a tree calls, read off it once: a search per runner would scan the trees once per C function.
    hit as (select distinct w.classid, w.objid from (${STORED_TREES}) w
      cross join lateral regexp_matches(w.tree, ':funcid (\\d+) ', 'g') as m(id)
      join runner r on r.oid operator(pg_catalog.=) m.id[1]::oid
      where strpos(w.tree, ':funcid ') > 0)
    select case h.classid
        when 'pg_rewrite'::regclass then case when rw.rulename operator(pg_catalog.<>) '_RETURN' then 'rule' when rc.relkind operator(pg_catalog.=) 'm' then 'materialized view' else 'view' end
        when 'pg_proc'::regclass then 'function'
        when 'pg_policy'::regclass then 'policy'
        when 'pg_constraint'::regclass then 'constraint'
        when 'pg_trigger'::regclass then 'trigger'
        when 'pg_class'::regclass then 'index'
        when 'pg_attrdef'::regclass then 'generated column or default'
        else 'statistics' end as kind,
      case when h.classid operator(pg_catalog.=) 'pg_rewrite'::regclass and rw.rulename operator(pg_catalog.=) '_RETURN' then rw.ev_class::regclass::text
        else pg_describe_object(h.classid, h.objid, 0) end as object,
      case h.classid
        when 'pg_rewrite'::regclass then pg_get_ruledef(h.objid)
        when 'pg_proc'::regclass then pg_get_functiondef(h.objid)
        when 'pg_policy'::regclass then (select 'select ' || concat_ws(', ', pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)) from pg_policy p where p.oid operator(pg_catalog.=) h.objid)
        when 'pg_constraint'::regclass then (select 'select ' || pg_get_expr(c.conbin, c.conrelid) from pg_constraint c where c.oid operator(pg_catalog.=) h.objid)
        when 'pg_trigger'::regclass then pg_get_triggerdef(h.objid)
        when 'pg_class'::regclass then pg_get_indexdef(h.objid)
        when 'pg_attrdef'::regclass then (select 'select ' || pg_get_expr(a.adbin, a.adrelid) from pg_attrdef a where a.oid operator(pg_catalog.=) h.objid)
        else pg_get_statisticsobjdef(h.objid) end as definition,
      -- The relation the object belongs to (a view's own oid aside): it goes with a dropped table.
      case h.classid
        when 'pg_policy'::regclass then (select p.polrelid from pg_policy p where p.oid operator(pg_catalog.=) h.objid)
        when 'pg_constraint'::regclass then (select c.conrelid from pg_constraint c where c.oid operator(pg_catalog.=) h.objid)
        when 'pg_trigger'::regclass then (select t.tgrelid from pg_trigger t where t.oid operator(pg_catalog.=) h.objid)
        when 'pg_class'::regclass then (select i.indrelid from pg_index i where i.indexrelid operator(pg_catalog.=) h.objid)
        when 'pg_attrdef'::regclass then (select a.adrelid from pg_attrdef a where a.oid operator(pg_catalog.=) h.objid)
        when 'pg_statistic_ext'::regclass then (select x.stxrelid from pg_statistic_ext x where x.oid operator(pg_catalog.=) h.objid)
        when 'pg_rewrite'::regclass then case when rw.rulename operator(pg_catalog.<>) '_RETURN' then rw.ev_class end end::text as relid
    from hit h left join pg_rewrite rw on h.classid operator(pg_catalog.=) 'pg_rewrite'::regclass and rw.oid operator(pg_catalog.=) h.objid left join pg_class rc on rc.oid operator(pg_catalog.=) rw.ev_class
    union all
    select 'function', p.oid::regprocedure::text, p.prosrc, null
      from pg_proc p join pg_language l on l.oid operator(pg_catalog.=) p.prolang join pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
      where l.lanname operator(pg_catalog.=) 'sql' and p.prosqlbody is null and n.nspname not in ('pg_catalog', 'information_schema')
        and exists (select from runner r where strpos(lower(p.prosrc), lower(r.name)) > 0)
    union all
    select distinct 'routine', r.name, null, null from runner r where not r.builtin
    order by 1, 2`;
}

type DefinitionRow = { kind: string; object: string; definition: string | null; relid: string | null };

/** Uses of the shape by SQL handed as text inside definitions, and the definitions whose text cannot be judged. */
export async function findSqlTextCalls(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape): Promise<{ dependencies: Dependency[]; gaps: FaultInfo[] }> {
  const rows = await ctx.query<DefinitionRow>(spec.source, planSqlTextDefinitions());
  const routines = new Set(rows.filter((r) => r.kind === 'routine').map((r) => r.object));
  const dependencies: Dependency[] = [];
  const gaps: FaultInfo[] = [];
  for (const row of rows) {
    if (row.kind === 'routine' || row.definition === null) continue;
    const found = sqlTextUses(row.definition, shape.targets, routines);
    // A listed table's own policies, checks, triggers, indexes, defaults and rules go with it.
    found.uses = found.uses.filter((label) => !shape.targets.some((t) => t.label === label && t.column === undefined
      && shape.catalog.some((c) => c.label === label && !c.ancestor && c.oid === row.relid)));
    // pg_describe_object names the kind itself ("policy p on table other"): say it once.
    const object = row.object.startsWith(`${row.kind} `) ? row.object.slice(row.kind.length + 1) : row.object;
    for (const target of found.uses) dependencies.push({ target, kind: row.kind, object: `${object} (runs SQL given to a function as text or a relation name)` });
    for (const reason of found.unjudged) {
      gaps.push({ code: SQL_TEXT_UNJUDGED, message: `${row.kind} ${object}: ${reason}; what it reads cannot be told from the catalog (with pg_stat_statements.track = all the statements it runs are counted)` });
    }
  }
  return { dependencies, gaps };
}

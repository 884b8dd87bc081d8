/**
 * The version of what a relation's rows and columns are made of: its own columns and their
 * defaults and generation expressions, and — through every view it reads — each view's rewrite
 * rule, the functions those rules call, and the columns of every relation they read, with the
 * tables inheriting from any of them. Each part is a catalog row's version (xmin): DDL writes a new
 * row version, so any DDL in between — even one undone by another (a view redefined and redefined
 * back) — gives another text. VACUUM and ANALYZE update catalog rows in place and change nothing.
 *
 * Why: a kind that judges its pass from the plan of what it compared (column_parity's and
 * table_diff's value lineage and fixed-value probe, lineage/) reads that plan after its scan, in
 * another transaction. A view comparing `name` with `name || ''` during the scan, redefined over
 * `name_v2` before the plan was read, or a stored generated copy of `name` dropped and added back as
 * a plain column, made the plan tell of columns the scan never compared, and the check passed.
 * The version read before the first read and again after the plan tells that nothing changed between.
 */
import { regclassText, sql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';

const is = sql.raw('operator(pg_catalog.=)');
const regclass = (name: string) => sql.raw(`'pg_catalog.${name}'::pg_catalog.regclass`);

/** One row, `version`: the relation `table` names now, and what it is made of (NULL when it names none). */
export function planDefinitionVersion(table: TableRef): SQL {
  const named = sql`pg_catalog.to_regclass(${regclassText(table)}::pg_catalog.text)`;
  return sql`with recursive reach(oid) as (
      select ${named}::pg_catalog.oid where ${named} is not null
      union
      select x.oid from reach r cross join lateral (
        select d.refobjid from pg_catalog.pg_rewrite w
          join pg_catalog.pg_depend d on d.classid ${is} ${regclass('pg_rewrite')} and d.objid ${is} w.oid
            and d.refclassid ${is} ${regclass('pg_class')} and d.refobjid operator(pg_catalog.<>) r.oid
          where w.ev_class ${is} r.oid
        union all
        select i.inhrelid from pg_catalog.pg_inherits i where i.inhparent ${is} r.oid) x(oid)
    )
    select pg_catalog.concat(${named}::pg_catalog.oid, '/', pg_catalog.md5(pg_catalog.string_agg(p.part, ',' order by p.part))) as version from (
      select pg_catalog.concat('c', r.oid) as part from reach r
      union all
      select pg_catalog.concat('a', a.attrelid, '.', a.attnum, ':', a.xmin) from reach r join pg_catalog.pg_attribute a on a.attrelid ${is} r.oid
        where a.attnum operator(pg_catalog.>) 0
      union all
      select pg_catalog.concat('d', ad.oid, ':', ad.xmin) from reach r join pg_catalog.pg_attrdef ad on ad.adrelid ${is} r.oid
      union all
      select pg_catalog.concat('r', w.oid, ':', w.xmin) from reach r join pg_catalog.pg_rewrite w on w.ev_class ${is} r.oid
      union all
      select pg_catalog.concat('f', p.oid, ':', p.xmin) from reach r join pg_catalog.pg_rewrite w on w.ev_class ${is} r.oid
        join pg_catalog.pg_depend d on d.classid ${is} ${regclass('pg_rewrite')} and d.objid ${is} w.oid and d.refclassid ${is} ${regclass('pg_proc')}
        join pg_catalog.pg_proc p on p.oid ${is} d.refobjid) p`;
}

/** The version a planDefinitionVersion row holds ('' when the name reached nothing). */
export function readDefinitionVersion(row: Record<string, unknown> | undefined): string {
  const value = row?.version;
  return typeof value === 'string' ? value : '';
}

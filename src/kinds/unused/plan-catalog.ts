/**
 * Catalog SQL for `unused` (pure: spec → statements): find each listed table/column with its
 * partitions and children, then everything in the catalog that still depends on them.
 */
import { sql, regclassText, joinSql, type SQL } from '../../sql/build.js';
import type { TableRef } from '../../sql/identifiers.js';

/** A found relation carrying a target: its oid and the column's number in it (0 = the whole table). */
export interface CatalogTarget {
  readonly label: string;
  readonly oid: string;
  readonly attnum: number;
  readonly namespace: string;
  readonly rowType: string;
  /**
   * A partitioned table or inheritance parent above the listed one: whatever reads it reads the
   * listed table's rows, but its own rows and write counters are not the listed table's.
   */
  readonly ancestor?: boolean;
}

/**
 * One listed table (and optional column): the relation, the column's number, its descendants
 * (partitions, inheritance children) and its ancestors (the partitioned tables and inheritance
 * parents above it), each with its row type and the column's number in it (found by name).
 */
export function planFindTarget(table: TableRef, column: string | undefined): SQL {
  const col = column ?? null;
  return sql`select c.oid::text as oid, n.nspname as schema, c.relname as name, c.relnamespace::text as namespace, c.reltype::text as row_type,
      (select a.attnum from pg_attribute a where a.attrelid = c.oid and a.attname = ${col} and a.attnum > 0 and not a.attisdropped) as attnum,
      coalesce((with recursive tree(relid) as (
          select i.inhrelid from pg_inherits i where i.inhparent = c.oid
          union select i.inhrelid from pg_inherits i join tree t on i.inhparent = t.relid)
        select json_agg(json_build_object('oid', k.oid::text, 'schema', kn.nspname, 'name', k.relname,
          'row_type', k.reltype::text,
          'attnum', (select a.attnum from pg_attribute a where a.attrelid = k.oid and a.attname = ${col} and a.attnum > 0 and not a.attisdropped)))
        from tree join pg_class k on k.oid = tree.relid join pg_namespace kn on kn.oid = k.relnamespace), '[]')::text as descendants,
      coalesce((with recursive up(relid) as (
          select i.inhparent from pg_inherits i where i.inhrelid = c.oid
          union select i.inhparent from pg_inherits i join up u on i.inhrelid = u.relid)
        select json_agg(json_build_object('oid', k.oid::text, 'schema', kn.nspname, 'name', k.relname,
          'row_type', k.reltype::text,
          'attnum', (select a.attnum from pg_attribute a where a.attrelid = k.oid and a.attname = ${col} and a.attnum > 0 and not a.attisdropped)))
        from up join pg_class k on k.oid = up.relid join pg_namespace kn on kn.oid = k.relnamespace), '[]')::text as ancestors
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.oid = to_regclass(${regclassText(table)})`;
}

/** The targets as a VALUES list of (label, relid, attnum, nsp, rowtype). */
export function targetValues(targets: readonly CatalogTarget[]): SQL {
  return joinSql(targets.map((t) => sql`(${t.label}::text, ${t.oid}::oid, ${t.attnum}::int, ${t.namespace}::oid, ${t.rowType}::oid)`));
}

/**
 * Stored expression trees that may read a relation's whole row, as (catalog, object, tree text):
 * view and rule actions, SQL-standard function bodies, policies, check constraints, trigger
 * conditions, index expressions and predicates, defaults and generated columns, statistics
 * expressions.
 */
export const STORED_TREES = sql`
  select 'pg_rewrite'::regclass as classid, r.oid as objid, concat(r.ev_action::text, ' ', r.ev_qual::text) as tree from pg_rewrite r
  union all select 'pg_proc'::regclass, p.oid, p.prosqlbody::text from pg_proc p where p.prosqlbody is not null
  union all select 'pg_policy'::regclass, p.oid, concat(p.polqual::text, ' ', p.polwithcheck::text) from pg_policy p
  union all select 'pg_constraint'::regclass, c.oid, c.conbin::text from pg_constraint c where c.conbin is not null
  union all select 'pg_trigger'::regclass, t.oid, t.tgqual::text from pg_trigger t where t.tgqual is not null
  union all select 'pg_class'::regclass, i.indexrelid, concat(i.indexprs::text, ' ', i.indpred::text) from pg_index i where i.indexprs is not null or i.indpred is not null
  union all select 'pg_attrdef'::regclass, a.oid, a.adbin::text from pg_attrdef a
  union all select 'pg_statistic_ext'::regclass, s.oid, s.stxexprs::text from pg_statistic_ext s where s.stxexprs is not null`;

/**
 * Names each row of a `dep(label, relid, attnum, classid, objid, objsubid)` CTE as (target, kind,
 * object), joined to the catalogs a caller's filters need (rw, rc, dc, con, ad, tg).
 */
export const DESCRIBE_DEPENDENTS = sql`
    select distinct dep.label as target,
      case dep.classid
        when 'pg_rewrite'::regclass then case when rw.rulename <> '_RETURN' then 'rule' when rc.relkind = 'm' then 'materialized view' else 'view' end
        when 'pg_proc'::regclass then 'function'
        when 'pg_trigger'::regclass then 'trigger'
        when 'pg_policy'::regclass then 'policy'
        when 'pg_attrdef'::regclass then 'generated column or default'
        when 'pg_class'::regclass then case when dc.relkind in ('i', 'I') then 'index' else 'column' end
        when 'pg_constraint'::regclass then case when con.contype = 'f' then 'foreign key' else 'constraint' end
        when 'pg_statistic_ext'::regclass then 'statistics'
        else dep.classid::regclass::text end as kind,
      case when dep.classid = 'pg_rewrite'::regclass and rw.rulename = '_RETURN' then rw.ev_class::regclass::text
        else pg_describe_object(dep.classid, dep.objid, dep.objsubid) end as object
    from dep
    left join pg_rewrite rw on dep.classid = 'pg_rewrite'::regclass and rw.oid = dep.objid
    left join pg_class rc on rc.oid = rw.ev_class
    left join pg_class dc on dep.classid = 'pg_class'::regclass and dc.oid = dep.objid
    left join pg_constraint con on dep.classid = 'pg_constraint'::regclass and con.oid = dep.objid
    left join pg_attrdef ad on dep.classid = 'pg_attrdef'::regclass and ad.oid = dep.objid
    left join pg_trigger tg on dep.classid = 'pg_trigger'::regclass and tg.oid = dep.objid`;

/**
 * Objects that depend on a target through pg_depend: views, materialized views and rules
 * (pg_rewrite), SQL-standard function bodies, triggers, policies, generated columns and defaults of
 * other columns, indexes, constraints and foreign keys, extended statistics; anything typed by the
 * relation's row type (a value of it carries every column). A table's own structure (its indexes,
 * constraints, defaults, sequences) goes with it and is not listed; the column's own default neither.
 *
 * For a column also every object whose stored tree reads the relation's whole row (`to_jsonb(u)`,
 * `u is not null`, `old is distinct from new`): Postgres records such a reference as no column
 * dependency — and records none at all when the object also names another column — so DROP COLUMN
 * succeeds and the object's output silently loses the column. The tree holds the reference as a
 * Var of attribute 0 whose type is the relation's row type, which no other node prints.
 */
export function planDependencies(targets: readonly CatalogTarget[]): SQL {
  return sql`with target(label, relid, attnum, nsp, rowtype) as (values ${targetValues(targets)}),
    dep as (
      select t.label, t.relid, t.attnum, d.classid, d.objid, d.objsubid from pg_depend d join target t
        on d.refclassid = 'pg_class'::regclass and d.refobjid = t.relid and (t.attnum = 0 or d.refobjsubid = t.attnum)
      where d.deptype in ('n', 'a')
      union
      select t.label, t.relid, t.attnum, d.classid, d.objid, d.objsubid from pg_depend d join target t
        on d.refclassid = 'pg_type'::regclass
        and d.refobjid in (t.rowtype, (select typarray from pg_type where oid = t.rowtype))
      where d.deptype in ('n', 'a') and d.classid <> 'pg_type'::regclass
      union
      select t.label, t.relid, t.attnum, w.classid, w.objid, 0 from (${STORED_TREES}) w join target t
        on t.attnum <> 0 and strpos(w.tree, ':varattno 0 :vartype ' || t.rowtype::text || ' ') > 0)
    ${DESCRIBE_DEPENDENTS}
    where dep.classid <> 'pg_publication_rel'::regclass
      and not (dep.classid = 'pg_class'::regclass and dc.relkind is not null and (dc.relkind not in ('i', 'I') or dep.attnum = 0) and dep.objsubid = 0)
      and not (dep.classid = 'pg_constraint'::regclass and dep.attnum = 0 and con.conrelid = dep.relid)
      and not (dep.classid = 'pg_attrdef'::regclass and (dep.attnum = 0 or ad.adnum = dep.attnum))
      and not (dep.classid = 'pg_trigger'::regclass and tg.tgisinternal)
      and not (dep.classid = 'pg_statistic_ext'::regclass and dep.attnum = 0)
      and not (dep.classid = 'pg_rewrite'::regclass and rw.ev_class = dep.relid and rw.rulename = '_RETURN')
    order by 1, 2, 3`;
}

/**
 * Publications that carry a target: FOR ALL TABLES, FOR TABLES IN SCHEMA, or the table itself with
 * the column in its column list or read by its row filter — or a partitioned table above it, since a publication of a
 * partitioned table sends every partition's changes (pg_publication_rel names only the table it
 * was given; the column is found in the ancestor by name, as attnums may differ).
 */
export function planPublications(targets: readonly CatalogTarget[]): SQL {
  return sql`with target(label, relid, attnum, nsp, rowtype) as (values ${targetValues(targets)}),
    carrier(label, relid, attnum, nsp) as (
      select t.label, t.relid, t.attnum, t.nsp from target t
      union
      select t.label, a.relid,
        case when t.attnum = 0 then 0 else (select pa.attnum from pg_attribute pa join pg_attribute ta on ta.attname = pa.attname
          where pa.attrelid = a.relid and not pa.attisdropped and ta.attrelid = t.relid and ta.attnum = t.attnum) end,
        (select c.relnamespace from pg_class c where c.oid = a.relid)
      from target t, pg_partition_ancestors(t.relid) as a(relid) where a.relid <> t.relid)
    select distinct t.label as target, 'publication' as kind, p.pubname::text || ' (' || how || ')' as object
    from carrier t join lateral (
      select p.oid, 'for all tables' as how from pg_publication p where p.puballtables
      union all
      select pr.prpubid, 'table ' || pr.prrelid::regclass::text
          || case when t.attnum is null or t.attnum = 0 or pr.prattrs is null or t.attnum = any(pr.prattrs::int2[]) then '' else ', row filter' end
        from pg_publication_rel pr
        where pr.prrelid = t.relid and (t.attnum is null or t.attnum = 0 or pr.prattrs is null or t.attnum = any(pr.prattrs::int2[])
          -- A row filter reads columns its column list may leave out; both are recorded as column dependencies.
          or exists (select from pg_depend d where d.classid = 'pg_publication_rel'::regclass and d.objid = pr.oid
            and d.refclassid = 'pg_class'::regclass and d.refobjid = pr.prrelid and d.refobjsubid = t.attnum))
      union all
      select pn.pnpubid, 'tables in schema ' || pn.pnnspid::regnamespace::text from pg_publication_namespace pn where pn.pnnspid = t.nsp
    ) via(pubid, how) on true
    join pg_publication p on p.oid = via.pubid
    order by 1, 3`;
}

/**
 * Partition keys that read a target column, by number or inside a key expression: every row
 * written is routed by them, and Postgres records them as no dependency of any object on the
 * column (only the column's own internal one on its table).
 */
export function planPartitionKeys(targets: readonly CatalogTarget[]): SQL {
  return sql`with target(label, relid, attnum, nsp, rowtype) as (values ${targetValues(targets)})
    select distinct t.label as target, 'partition key' as kind, 'of table ' || p.partrelid::regclass::text as object
    from target t join pg_partitioned_table p on p.partrelid = t.relid
    where t.attnum <> 0 and (t.attnum = any(p.partattrs::int2[])
      or strpos(coalesce(p.partexprs::text, ''), ' :varattno ' || t.attnum::text || ' :vartype ') > 0)
    order by 1, 3`;
}

/**
 * Logical-replication subscriptions of this database that write into a target relation: the
 * relation's writers and readers then include the publisher's, which no statistic here shows.
 * Into it, or into a partitioned table above it: the subscription then lists only the
 * partitioned table (a publication with publish_via_partition_root), and the apply worker routes
 * each row to its partition.
 */
export function planSubscriptions(targets: readonly CatalogTarget[]): SQL {
  const relids = joinSql(targets.map((t) => sql`${t.oid}::oid`));
  return sql`select distinct format('%I.%I', n.nspname, c.relname) as relation, s.subname::text as subscription
    from pg_subscription_rel sr join pg_subscription s on s.oid = sr.srsubid
      join pg_class c on c.oid = sr.srrelid join pg_namespace n on n.oid = c.relnamespace
    where sr.srrelid in (${relids})
      -- pg_partition_ancestors lists nothing for a table outside any partition tree.
      or sr.srrelid in (select a.relid from unnest(array[${relids}]) as t(relid), pg_partition_ancestors(t.relid) as a(relid))
    order by 1, 2`;
}

/**
 * Functions and procedures whose source text mentions a target relation's name or holds a
 * Unicode-escaped identifier (bodies are then
 * parsed in Node), plus trigger functions of triggers on a target relation (they reach the column
 * through NEW/OLD without naming the table), with the relations of those triggers.
 */
export function planFunctionBodies(relationNames: readonly string[], targets: readonly CatalogTarget[]): SQL {
  // A Unicode-escaped identifier (`U&"\0075sers"`) spells the name so no text search finds it: fetch those bodies too.
  const mentions = joinSql([...relationNames.map((name) => sql`strpos(lower(p.prosrc), lower(${name})) > 0`), sql`p.prosrc ~* ${'u&["\']'}`], sql` or `);
  const relids = joinSql(targets.map((t) => sql`${t.oid}::oid`));
  return sql`select p.oid::regprocedure::text as signature, l.lanname as language, p.prosrc as body,
      (select string_agg(format('%I on %s', tg.tgname, tg.tgrelid::regclass), ', ' order by tg.tgname)
        from pg_trigger tg where tg.tgfoid = p.oid and not tg.tgisinternal) as triggers,
      (select coalesce(json_agg(distinct tg.tgrelid::text), '[]') from pg_trigger tg
        where tg.tgfoid = p.oid and not tg.tgisinternal and tg.tgrelid in (${relids}))::text as trigger_relids
    from pg_proc p join pg_language l on l.oid = p.prolang join pg_namespace n on n.oid = p.pronamespace
    where n.nspname not in ('pg_catalog', 'information_schema') and l.lanname not in ('internal', 'c')
      and ((${mentions}) or p.oid in (select tgfoid from pg_trigger where tgrelid in (${relids}) and not tgisinternal))
    order by 1`;
}

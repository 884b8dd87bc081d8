/**
 * What depends on the objects that go with the shape (pure: targets → SQL). Dropping a table or
 * column drops with it everything Postgres made part of it — its owned sequences (serial,
 * identity, OWNED BY), indexes, constraints, defaults, its row type and that type's array — and a
 * domain, array or range over the row type carries its values. Postgres records a use of one of
 * those (another table's `default nextval('users_legacy_id_seq')`, a view over the sequence, a
 * column typed by `create domain user_row as users`) as a dependency on the carried object, not
 * on the table, so the direct look misses it: DROP then refuses, or CASCADE silently takes it.
 */
import { sql, type SQL } from '../../sql/build.js';
import { DESCRIBE_DEPENDENTS, targetValues, type CatalogTarget } from './plan-catalog.js';

/**
 * Every object outside the carried set that depends on a carried object. Targets above the listed
 * relation (ancestors) are left out: their own structure (sibling partitions, their indexes) does
 * not go with the listed relation.
 */
export function planCarriedDependencies(targets: readonly CatalogTarget[]): SQL {
  const own = targets.filter((t) => !t.ancestor);
  return sql`with recursive target(label, relid, attnum, nsp, rowtype) as (values ${targetValues(own)}),
    carried(label, relid, attnum, classid, objid, objsubid) as (
      -- Dropped with the relation or the column: its auto and internal dependents.
      select t.label, t.relid, t.attnum, d.classid, d.objid, d.objsubid
        from target t join pg_depend d on d.refclassid operator(pg_catalog.=) 'pg_class'::regclass
          and d.refobjid operator(pg_catalog.=) t.relid and (t.attnum operator(pg_catalog.=) 0 or d.refobjsubid operator(pg_catalog.=) t.attnum)
        where d.deptype in ('a', 'i')
      union
      -- The row type carries every column, whichever one is listed.
      select t.label, t.relid, t.attnum, 'pg_type'::regclass, t.rowtype, 0 from target t where t.rowtype operator(pg_catalog.<>) 0
      union
      -- Recursively: what goes with a carried object, and every type over a carried type (a domain
      -- or range over it records a normal dependency, an array an internal one): its values carry the row.
      select c.label, c.relid, c.attnum, d.classid, d.objid, d.objsubid
        from carried c join pg_depend d on d.refclassid operator(pg_catalog.=) c.classid and d.refobjid operator(pg_catalog.=) c.objid
          and (c.objsubid operator(pg_catalog.=) 0 or d.refobjsubid operator(pg_catalog.=) c.objsubid)
        where d.deptype in ('a', 'i')
          or (d.deptype operator(pg_catalog.=) 'n' and c.classid operator(pg_catalog.=) 'pg_type'::regclass and d.classid operator(pg_catalog.=) 'pg_type'::regclass)),
    dep as (
      select c.label, c.relid, c.attnum, d.classid, d.objid, d.objsubid
        from carried c join pg_depend d on d.refclassid operator(pg_catalog.=) c.classid and d.refobjid operator(pg_catalog.=) c.objid
          and (c.objsubid operator(pg_catalog.=) 0 or d.refobjsubid operator(pg_catalog.=) c.objsubid)
        where d.deptype in ('n', 'a')
          and not (d.classid operator(pg_catalog.=) 'pg_class'::regclass and d.objid in (select relid from target))
          and not exists (select from carried o where o.label operator(pg_catalog.=) c.label
            and o.classid operator(pg_catalog.=) d.classid and o.objid operator(pg_catalog.=) d.objid))
    ${DESCRIBE_DEPENDENTS}
    where dep.classid operator(pg_catalog.<>) 'pg_publication_rel'::regclass
      and not (dep.classid operator(pg_catalog.=) 'pg_trigger'::regclass and tg.tgisinternal)
    order by 1, 2, 3`;
}

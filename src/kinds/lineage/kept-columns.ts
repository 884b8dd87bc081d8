/**
 * Which columns of a relation the database may keep non-NULL, read from the catalog.
 *
 * never_null's probe (null-probe.ts) holds NULL in a column of its stand-in row only where no row
 * is kept from holding NULL there: a fill `coalesce(name, nick)` over a nick something keeps
 * non-NULL is never NULL, and "every row has name filled" passes over any data. The ways to keep a
 * column non-NULL are open (a trigger that raises after the write, a rule that drops it, a policy's
 * USING, a whole-row CHECK, an index expression that errors), so the read is inverted: every
 * object that may reject or rewrite a write is taken as keeping each column it may see, and an
 * object whose body is opaque or that sees the whole row keeps every column. Taking a column as
 * kept that is not only ever refuses (`never_null`); leaving out one that is passes wrongly.
 */
import { arrayLiteralText } from '../../sql/array-literal.js';
import { sql, type SQL } from '../../sql/build.js';

/** Node types that never raise and that a NULL input leaves NULL, given strict functions (`upper(a)`, `a || b`). */
const PROPAGATING = '{VAR,CONST,RELABELTYPE,COLLATEEXPR,FUNCEXPR,OPEXPR}';
/** Node types that never raise, whatever their inputs (`coalesce(a, '-')`, `b is not null`). */
const NEVER_RAISING = '{VAR,CONST,RELABELTYPE,COLLATEEXPR,COALESCEEXPR,NULLTEST,BOOLEANTEST,BOOLEXPR}';

/**
 * Whether an expression stored as a node tree (text) may raise where one of its columns is NULL
 * and not otherwise: unless it is made of nodes that never raise, or of strict functions of its
 * columns (a NULL input is never passed to a function; no whole row, which is not NULL). Anything
 * else — a NULL test feeding a division, a CASE, a non-strict or unknown function — may.
 */
function mayRaiseOverNull(tree: SQL): SQL {
  const typesOutside = (allowed: string) => sql`exists (
      select from pg_catalog.regexp_matches(${tree}, '\{([A-Z_]+)', 'g') as nt(n)
      where nt.n[1] operator(pg_catalog.<>) all (${allowed}::pg_catalog.text[]))`;
  return sql`(${typesOutside(PROPAGATING)}
      or pg_catalog.strpos(${tree}, ':varattno 0 ') operator(pg_catalog.>) 0
      or exists (
        select from pg_catalog.regexp_matches(${tree}, ':funcid ([0-9]+) ', 'g') as f(n)
        where not coalesce((select p.proisstrict from pg_catalog.pg_proc p where p.oid operator(pg_catalog.=) f.n[1]::pg_catalog.oid), false))
      or exists (
        select from pg_catalog.regexp_matches(${tree}, ':opno ([0-9]+) ', 'g') as o(n)
        where not coalesce((select p.proisstrict from pg_catalog.pg_operator op join pg_catalog.pg_proc p on p.oid operator(pg_catalog.=) op.oprcode
          where op.oid operator(pg_catalog.=) o.n[1]::pg_catalog.oid), false)))
    and ${typesOutside(NEVER_RAISING)}`;
}

/**
 * Every column of the relations (regclass texts) with its stored generation expression and whether
 * the database may keep it non-NULL (`not_null`): its NOT NULL; a NOT NULL or CHECKed domain
 * anywhere in its type (a domain's base, an array's element, a composite's field, a range's
 * subtype); a partition key of its table or an ancestor naming it; or an object of its table or
 * of a table it inherits from (a write through the ancestor passes the ancestor's) that sees it:
 * - every trigger, of any timing, level and event, constraint trigger or not, disabled or not (it
 *   is enabled at will, and the rows may have been written while it was) — its function sees the
 *   whole row, and may raise or return another one (the triggers implementing foreign keys, keys
 *   and exclusion constraints are judged by their constraints);
 * - every rule but a view's SELECT rule (INSTEAD NOTHING drops the write) and every row-security
 *   policy, USING or WITH CHECK, of any command, whether row security is on or not — all columns;
 * - a CHECK or exclusion constraint, validated or NOT VALID, by the columns it names (`conkey`; 0,
 *   the whole row, is all of them), not read for whether it accepts NULL;
 * - a MATCH FULL foreign key, its columns (all NULL or none); MATCH SIMPLE accepts any row with a
 *   NULL key column, so it keeps nothing;
 * - an index's expressions and predicate, and a stored generated column's expression, computed on
 *   every write (an error there refuses it), unless it cannot raise over a NULL input
 *   (mayRaiseOverNull): the columns they read (`:varattno` of the stored node tree; 0, the whole
 *   row, is all of them).
 */
export function keptColumnsSql(texts: readonly string[]): SQL {
  return sql`with recursive
      lineage(t, relid) as (
        select r.t, pg_catalog.to_regclass(r.t)::pg_catalog.oid from pg_catalog.unnest(${arrayLiteralText(texts)}::pg_catalog.text[]) as r(t)
        union
        select l.t, i.inhparent from lineage l join pg_catalog.pg_inherits i on i.inhrelid operator(pg_catalog.=) l.relid),
      seen(t, relid, attnum) as (
        select l.t, l.relid, 0::pg_catalog.int2 from lineage l
        where exists (
            select from pg_catalog.pg_trigger tg
            where tg.tgrelid operator(pg_catalog.=) l.relid and not exists (
              select from pg_catalog.pg_constraint c
              where c.oid operator(pg_catalog.=) tg.tgconstraint and c.contype::pg_catalog.text operator(pg_catalog.=) any ('{f,p,u,x}'::pg_catalog.text[])))
          or exists (select from pg_catalog.pg_rewrite w where w.ev_class operator(pg_catalog.=) l.relid and w.ev_type operator(pg_catalog.<>) '1')
          or exists (select from pg_catalog.pg_policy po where po.polrelid operator(pg_catalog.=) l.relid)
        union
        select l.t, l.relid, k.n from lineage l
          join pg_catalog.pg_constraint c on c.conrelid operator(pg_catalog.=) l.relid
            and (c.contype::pg_catalog.text operator(pg_catalog.=) any ('{c,x}'::pg_catalog.text[])
              or (c.contype operator(pg_catalog.=) 'f' and c.confmatchtype operator(pg_catalog.=) 'f'))
          cross join pg_catalog.unnest(c.conkey) as k(n)
        union
        select l.t, l.relid, m.n[1]::pg_catalog.int2 from lineage l
          join pg_catalog.pg_index i on i.indrelid operator(pg_catalog.=) l.relid
          cross join lateral (values (i.indexprs::pg_catalog.text), (i.indpred::pg_catalog.text)) as e(tree)
          cross join pg_catalog.regexp_matches(e.tree, ':varattno ([0-9]+) ', 'g') as m(n)
        where ${mayRaiseOverNull(sql`e.tree`)}
        union
        select l.t, l.relid, m.n[1]::pg_catalog.int2 from lineage l
          join pg_catalog.pg_attrdef d on d.adrelid operator(pg_catalog.=) l.relid
          join pg_catalog.pg_attribute g on g.attrelid operator(pg_catalog.=) d.adrelid and g.attnum operator(pg_catalog.=) d.adnum and g.attgenerated operator(pg_catalog.<>) ''
          cross join pg_catalog.regexp_matches(d.adbin::pg_catalog.text, ':varattno ([0-9]+) ', 'g') as m(n)
        where ${mayRaiseOverNull(sql`d.adbin::pg_catalog.text`)})
    select r.t as relation, a.attname::pg_catalog.text as name,
      (a.attnotnull
        or exists (
          with recursive types(type) as (
            select a.atttypid
            union
            select x.type from types join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) types.type
              cross join lateral (
                select t.typbasetype where t.typtype operator(pg_catalog.=) 'd'
                union all select t.typelem where t.typelem operator(pg_catalog.<>) 0
                union all select fa.atttypid from pg_catalog.pg_attribute fa
                  where t.typrelid operator(pg_catalog.<>) 0 and fa.attrelid operator(pg_catalog.=) t.typrelid and fa.attnum operator(pg_catalog.>) 0 and not fa.attisdropped
                union all select rg.rngsubtype from pg_catalog.pg_range rg where rg.rngtypid operator(pg_catalog.=) t.oid
                union all select rg.rngtypid from pg_catalog.pg_range rg where rg.rngmultitypid operator(pg_catalog.=) t.oid) as x(type))
          select from types join pg_catalog.pg_type t on t.oid operator(pg_catalog.=) types.type
          where t.typtype operator(pg_catalog.=) 'd' and (t.typnotnull or exists (
            select from pg_catalog.pg_constraint c
            where c.contypid operator(pg_catalog.=) t.oid and c.contype operator(pg_catalog.=) 'c')))
        or exists (
          select from seen s left join pg_catalog.pg_attribute sa on sa.attrelid operator(pg_catalog.=) s.relid and sa.attnum operator(pg_catalog.=) s.attnum
          where s.t operator(pg_catalog.=) r.t and (s.attnum operator(pg_catalog.=) 0 or sa.attname operator(pg_catalog.=) a.attname))
        or exists (
          select from pg_catalog.pg_partition_ancestors(a.attrelid) as p(relid)
            join pg_catalog.pg_partitioned_table k on k.partrelid operator(pg_catalog.=) p.relid
          where exists (
              select from pg_catalog.unnest(k.partattrs::pg_catalog.int2[]) as n(num)
                join pg_catalog.pg_attribute pa on pa.attrelid operator(pg_catalog.=) k.partrelid and pa.attnum operator(pg_catalog.=) n.num
              where pa.attname operator(pg_catalog.=) a.attname)
            -- A key expression is read as text: any mention of the column's name counts.
            or pg_catalog.strpos(pg_catalog.pg_get_expr(k.partexprs, k.partrelid), pg_catalog.quote_ident(a.attname)) operator(pg_catalog.>) 0)
      ) as not_null,
      case when a.attgenerated operator(pg_catalog.<>) '' then pg_catalog.pg_get_expr(d.adbin, d.adrelid) end as generated
    from pg_catalog.unnest(${arrayLiteralText(texts)}::pg_catalog.text[]) as r(t)
      join pg_catalog.pg_attribute a on a.attrelid operator(pg_catalog.=) pg_catalog.to_regclass(r.t) and a.attnum operator(pg_catalog.>) 0 and not a.attisdropped
      left join pg_catalog.pg_attrdef d on d.adrelid operator(pg_catalog.=) a.attrelid and d.adnum operator(pg_catalog.=) a.attnum`;
}

/**
 * Code found by its name: a user's function, operator, type or relation on the read's search_path
 * named like one the server's installation holds (installed-code.ts). Whatever looks a name up
 * when it runs looks it up through the reader's search_path: operator SQL, a built-in's
 * string-bodied SQL, and an extension's own code — a LANGUAGE SQL or PL body that names its
 * siblings unqualified (earthdistance's `earth_distance` calls `sec_to_gc(cube_distance(…))`,
 * xml2's `xpath_list(text, text)` calls `xpath_list($1, $2, ',')`), or a C function's lookup.
 * Reads put pg_catalog first but keep the role's path after it, so a function in a schema earlier
 * than the extension's (the role's own "$user" schema, first on the default path; a database's or
 * role's search_path) answers instead — or one later whose argument types match better — and runs
 * on every read of a view, a domain CHECK or an index expression calling the extension's function
 * (CVE-2018-1058's class). The extension's body is not read: any such name on the path counts,
 * whatever calls it. Every branch needs INSTALLED_MEMBERS and SHADOWING_LOOKUPS in the statement's WITH, and every
 * operator is written `operator(pg_catalog.op)`, since the guard runs under that same path.
 */
import { isInstalledMember, isTypeCompanion, qualifiedFunction, USER_OID } from './installed-code.js';

const op = (name: string) => `operator(pg_catalog.${name})`;
const SUPERUSERS = 'any (select s.oid from superuser_role s)';

/**
 * The schemas a name may be looked up in (`searched_schema(oid)`): the read's search_path as it
 * resolves (pg_catalog first, the role's "$user" schema where it exists), and every schema a
 * trusted function's own `SET search_path` names (its body looks its names up there, not on the
 * reader's path; a setting's "$user" counts as the reading role).
 */
const SEARCHED_SCHEMAS = `searched_schema(oid) as (select n.oid from pg_catalog.pg_namespace n
  where n.nspname ${op('=')} any (pg_catalog.current_schemas(false)) or n.nspname ${op('=')} any (array(
    select case when pg_catalog.texteq(s.name, '$user') then current_user::pg_catalog.text else s.name end
      from pg_catalog.pg_proc p cross join lateral pg_catalog.unnest(p.proconfig) c(setting)
      cross join lateral pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.substr(c.setting, 13), ',')) r(part)
      cross join lateral (select pg_catalog.btrim(r.part, ' "')) s(name)
      where p.proconfig is not null and pg_catalog.starts_with(c.setting, 'search_path=')
        and (p.oid ${op('<')} ${USER_OID} or ${isInstalledMember('pg_proc', 'p.oid')}))))`;
const SEARCHED = 'any (select s.oid from searched_schema s)';

/** Whether the pg_proc row `b` is one the server's installation holds: a built-in, an installed extension's member, or a superuser's type's companion. */
const isTrustedFunction = (b: string) =>
  `(${b}.oid ${op('<')} ${USER_OID} or ${isInstalledMember('pg_proc', `${b}.oid`)} or (${isTypeCompanion(`${b}.oid`)} and ${b}.proowner ${op('=')} ${SUPERUSERS}))`;

/** `catalog` rows (as `alias`) that are installed members; needs INSTALLED_MEMBERS. */
const memberOf = (catalog: string, alias: string) =>
  `pg_catalog.${catalog} ${alias} join installed_member m on m.objid ${op('=')} ${alias}.oid and m.classid ${op('=')} 'pg_catalog.${catalog}'::pg_catalog.regclass`;

/** Whether the pg_type row `t` is the array type the server made for its element (named after it, and found wherever the element is). */
const isArrayOfItsElement = (t: string) =>
  `exists (select from pg_catalog.pg_type e where e.oid ${op('=')} ${t}.typelem and e.typarray ${op('=')} ${t}.oid)`;

/**
 * The installation's types outside pg_catalog (`trusted_type(oid, name)`; pg_catalog is read first
 * for types and relations, so a user's `point` never answers for pg_catalog's), read from the
 * members' side: an installed extension's types, its relations' row types, its range types'
 * multiranges, initdb's domains outside pg_catalog (information_schema's `cardinal_number`…; not
 * its views' row types — `tables`, `columns`, `parameters` are names a user's tables may well have,
 * and no body names them as types), and the array type of each.
 */
const TRUSTED_TYPES = `trusted_base_type(oid, name, array_oid) as (
    select y.oid, y.typname, y.typarray from pg_catalog.pg_type y
      where y.oid ${op('<')} ${USER_OID} and y.typnamespace ${op('<>')} 11::pg_catalog.oid and y.typtype ${op('=')} 'd'::pg_catalog."char"
    union all
    select y.oid, y.typname, y.typarray from ${memberOf('pg_type', 'y')}
    union all
    select y.oid, y.typname, y.typarray from ${memberOf('pg_class', 'c')} join pg_catalog.pg_type y on y.oid ${op('=')} c.reltype
    union all
    select y.oid, y.typname, y.typarray from ${memberOf('pg_type', 'r')} join pg_catalog.pg_range g on g.rngtypid ${op('=')} r.oid
      join pg_catalog.pg_type y on y.oid ${op('=')} g.rngmultitypid
), trusted_type(oid, name) as (
    select b.oid, b.name from trusted_base_type b
    union all
    select a.oid, a.typname from trusted_base_type b join pg_catalog.pg_type a on a.oid ${op('=')} b.array_oid
), trusted_type_name(name) as (
    select t.name from trusted_type t
    union
    -- A sequence has no row type: its name, as every member relation's.
    select c.relname from ${memberOf('pg_class', 'c')})`;

/** The WITH-list entries SHADOWING_CODE_SQL reads, after INSTALLED_MEMBERS: each computed once per statement, probed by hash. */
export const SHADOWING_LOOKUPS = `${SEARCHED_SCHEMAS},
${TRUSTED_TYPES}`;

/**
 * Rows (`what`) of the stand-in guard (pinning.ts) for code found by name: a user's function on a
 * searched schema named like any trusted function (pg_catalog's, information_schema's, an installed
 * extension's), or in the very schema of a trusted function of that name (a qualified call there
 * picks among that schema's overloads); any user operator on a searched schema or pg_catalog, or in
 * the schema of an installed operator of its name; a user's type (a domain, enum, composite, range,
 * a table's row type) or relation (a sequence too) on a searched schema named like a trusted type
 * or an installed relation (not its array type, nor a table's row type: the element, the relation
 * is the one named).
 */
export const SHADOWING_CODE_SQL = `select pg_catalog.textcat('function ', ${qualifiedFunction('p')}) as what
    from pg_catalog.pg_proc p
    where p.oid ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_proc', 'p.oid')} and not ${isTypeCompanion('p.oid')}
      and exists (select from pg_catalog.pg_proc b where b.proname ${op('=')} p.proname and b.oid ${op('<>')} p.oid and ${isTrustedFunction('b')}
        and (p.pronamespace ${op('=')} 11::pg_catalog.oid or p.pronamespace ${op('=')} b.pronamespace or p.pronamespace ${op('=')} ${SEARCHED}))
  union all
  select pg_catalog.format('operator %I.%s(%s, %s)', o.oprnamespace::pg_catalog.regnamespace::pg_catalog.text, o.oprname, o.oprleft::pg_catalog.regtype, o.oprright::pg_catalog.regtype)
    from pg_catalog.pg_operator o
    where o.oid ${op('>=')} ${USER_OID} and not ${isInstalledMember('pg_operator', 'o.oid')}
      and (o.oprnamespace ${op('=')} 11::pg_catalog.oid or o.oprnamespace ${op('=')} ${SEARCHED}
        or exists (select from pg_catalog.pg_operator b where b.oprname ${op('=')} o.oprname and b.oprnamespace ${op('=')} o.oprnamespace and ${isInstalledMember('pg_operator', 'b.oid')}))
  union all
  select pg_catalog.format('type %I.%I', t.typnamespace::pg_catalog.regnamespace::pg_catalog.text, t.typname)
    from pg_catalog.pg_type t left join pg_catalog.pg_class r on r.oid ${op('=')} t.typrelid
    where t.oid ${op('>=')} ${USER_OID} and not t.oid ${op('=')} any (select y.oid from trusted_type y) and t.typnamespace ${op('=')} ${SEARCHED}
      and (r.oid is null or r.relkind ${op('=')} 'c'::pg_catalog."char") and not ${isArrayOfItsElement('t')} and t.typname ${op('=')} any (select n.name from trusted_type_name n)
  union all
  select pg_catalog.format('relation %I.%I', c.relnamespace::pg_catalog.regnamespace::pg_catalog.text, c.relname)
    from pg_catalog.pg_class c
    where c.oid ${op('>=')} ${USER_OID} and c.relkind ${op('=')} any (array['r', 'p', 'v', 'm', 'f', 'S']::pg_catalog."char"[])
      and not ${isInstalledMember('pg_class', 'c.oid')} and c.relnamespace ${op('=')} ${SEARCHED}
      and c.relname ${op('=')} any (select n.name from trusted_type_name n)`;

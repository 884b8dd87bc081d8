/**
 * What counts as the server's installation, the one definition every guard trusts (the stand-in
 * guard, type-code.ts's refused functions, implicit-code.ts and its screen): PostgreSQL's own
 * objects as initdb made them, an extension's members that a superuser owns, and the companions
 * the server makes for a type.
 *
 * Membership alone is a claim: `alter extension citext add function public.sneaky(text)` needs
 * only ownership of the extension and of the object, which a database owner who ran `create
 * extension citext` (a trusted extension) has. Ownership is what an owner cannot claim: a trusted
 * extension's script runs as the bootstrap superuser and an untrusted one needs a superuser, so
 * every object a script makes is a superuser's; a role that is no superuser can neither give an
 * object to a superuser nor add one it does not own; pg_upgrade keeps owners. A cast has no owner
 * (`alter extension … add cast` needs ownership of one of its types), so a cast is never trusted by
 * membership: it is judged by its function (type-code.ts).
 */
const op = (name: string) => `operator(pg_catalog.${name})`;
const regclass = (name: string) => `'pg_catalog.${name}'::pg_catalog.regclass`;

/** The owner column of each catalog whose rows an extension can hold and a guard trusts. */
const OWNER_COLUMN = {
  pg_proc: 'proowner',
  pg_class: 'relowner',
  pg_operator: 'oprowner',
  pg_opfamily: 'opfowner',
  pg_type: 'typowner',
  pg_conversion: 'conowner',
} as const;
export type OwnedCatalog = keyof typeof OWNER_COLUMN;

/**
 * The WITH-list entries isInstalledMember reads (a statement using it lists them first in its
 * WITH): `installed_member(classid, objid)`, every row of an owned catalog that an extension holds
 * and a superuser owns. One set per statement, read from the extensions' side (pg_depend's index on
 * what is depended on; by the dependent's side every dependency of every function is read,
 * thousands of rows on a large schema), and each test of it is a hashed probe: planning a join per
 * test had doubled the pinning statement's planning time.
 */
export const INSTALLED_MEMBERS = `superuser_role(oid) as (select r.oid from pg_catalog.pg_roles r where r.rolsuper),
installed_member(classid, objid) as (
  select e.classid, e.objid from pg_catalog.pg_extension x
    join pg_catalog.pg_depend e on e.refclassid ${op('=')} ${regclass('pg_extension')} and e.refobjid ${op('=')} x.oid
  where e.deptype ${op('=')} 'e'::pg_catalog."char" and case
    ${Object.entries(OWNER_COLUMN).map(([catalog, owner]) => `when e.classid ${op('=')} ${regclass(catalog)} then (select o.${owner} from pg_catalog.${catalog} o where o.oid ${op('=')} e.objid)`).join('\n    ')}
    end ${op('=')} any (select s.oid from superuser_role s))`;

/**
 * Whether the `catalog` row `oid` (an SQL expression) is an extension's member a superuser owns;
 * needs INSTALLED_MEMBERS. `operator(pg_catalog.=) any`, not `in`: `in` looks `=` up through the
 * role's search_path, which the guard runs under.
 */
export function isInstalledMember(catalog: OwnedCatalog, oid: string): string {
  return `${oid} ${op('=')} any (select m.objid from installed_member m where m.classid ${op('=')} ${regclass(catalog)})`;
}

/** Whether the pg_proc row `oid` (an SQL expression) is one of TYPE_COMPANIONS. */
export function isTypeCompanion(oid: string): string {
  return `${oid} ${op('=')} any (${TYPE_COMPANIONS})`;
}

/**
 * The functions the server made for a type, tied to it by an internal dependency (a range type's
 * and a multirange's constructors: built-in C functions under the type's name), which no
 * statement can make for a function of a user's.
 */
const TYPE_COMPANIONS = `select e.objid from pg_catalog.pg_depend e where e.classid ${op('=')} ${regclass('pg_proc')}
      and e.deptype ${op('=')} 'i'::pg_catalog."char" and e.refclassid ${op('=')} ${regclass('pg_type')}`;

/** `schema.name(arguments)` of the pg_proc row `p`, whatever the search_path (regprocedure leaves pg_catalog out). */
export const qualifiedFunction = (p: string) =>
  `pg_catalog.format('%I.%I(%s)', ${p}.pronamespace::pg_catalog.regnamespace::pg_catalog.text, ${p}.proname, pg_catalog.pg_get_function_identity_arguments(${p}.oid))`;

/** FirstNormalObjectId: every object initdb did not create has an oid at or above it. */
export const FIRST_USER_OID = 16384;
/** FIRST_USER_OID as SQL, for catalog statements. */
export const USER_OID = `${FIRST_USER_OID}::pg_catalog.oid`;
const UNPINNED_OID = '12000::pg_catalog.oid'; // FirstUnpinnedObjectId (PostgreSQL 14+): below it, the bootstrap's own objects
/** pg_language's fixed oids: internal (12), C (13) and SQL (14), the only languages initdb's functions are written in. */
const INITDB_LANGUAGES = 'array[12, 13, 14]::pg_catalog.oid[]';

/**
 * One row (`what`) for each built-in function (oid < 16384, which every rule trusts) whose
 * definition a superuser replaced with `create or replace`, keeping its oid, where the catalog
 * shows it: a language initdb never uses (a PL body), or a dependency recorded for it — none of the
 * bootstrap's objects has one, and initdb's later ones depend only on initdb's objects; a PL body
 * depends on its language, and a BEGIN ATOMIC body on every unpinned object it calls. A
 * string-bodied SQL or an internal/C replacement leaves neither trace (docs/decisions.md).
 */
export const BUILTINS_REPLACED_SQL = `select pg_catalog.format('built-in function %s replaced (language %s)', ${qualifiedFunction('p')}, l.lanname) as what
    from pg_catalog.pg_proc p join pg_catalog.pg_language l on l.oid ${op('=')} p.prolang
    where p.oid ${op('<')} ${USER_OID} and not p.prolang ${op('=')} any (${INITDB_LANGUAGES})
  union all
  select pg_catalog.format('built-in function %s replaced (it depends on %s)', ${qualifiedFunction('p')}, pg_catalog.pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid))
    from pg_catalog.pg_depend d join pg_catalog.pg_proc p on p.oid ${op('=')} d.objid
    where d.classid ${op('=')} ${regclass('pg_proc')} and d.objid ${op('<')} ${USER_OID} and (d.objid ${op('<')} ${UNPINNED_OID} or d.refobjid ${op('>=')} ${USER_OID})`;

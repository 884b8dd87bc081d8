/**
 * The operator names pg_catalog defines, on PostgreSQL 15 and 18 (PGlite): operator SQL may write
 * an unqualified operator only by one of these names. An operator is a call of the function bound
 * to it, and a name pg_catalog lacks (`###`) can only bind to an operator a user or an extension
 * created, whose function the allow-list of built-ins never judged. Generated with:
 *
 *   select string_agg(distinct oprname, ' ' order by oprname) from pg_operator
 *   where oprnamespace = 'pg_catalog'::regnamespace
 *
 * test/adversarial/function-allow-list.test.ts checks that every name the live catalog of each
 * engine has is here (a missing one would refuse a valid check, never let one through).
 */

/** pg_catalog's operator names, space-separated (data, not code). */
const CATALOG_OPERATORS = `
  !! !~ !~* !~~ !~~* # ## #- #> #>> % & && &< &<| &> * *< *<= *<> *= *> *>= + - -> ->> -|- / < <-> <<
  <<= <<| <= <> <@ <^ = > >= >> >>= >^ ? ?# ?& ?- ?-| ?| ?|| @ @-@ @> @? @@ @@@ ^ ^@ | |&> |/ |>> ||
  ||/ ~ ~* ~<=~ ~<~ ~= ~>=~ ~>~ ~~ ~~*
`;

/** The names the parser gives BETWEEN forms (A_Expr); they are syntax, resolved to < and > of pg_catalog's search. */
const SYNTAX_NAMES = ['BETWEEN', 'NOT BETWEEN', 'BETWEEN SYMMETRIC', 'NOT BETWEEN SYMMETRIC'];

const NAMES: ReadonlySet<string> = new Set([...CATALOG_OPERATORS.split(/\s+/).filter((name) => name !== ''), ...SYNTAX_NAMES]);

/** Whether `name` (unqualified) is the name of an operator pg_catalog defines. */
export function isCatalogOperatorName(name: string): boolean {
  return NAMES.has(name);
}

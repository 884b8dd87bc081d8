/**
 * What stands for a system catalog in the data witness when a query reads the catalog alone: its
 * user objects' rows are that query's data, the rows the server itself fixes are not. A row whose
 * object the server made (oid below FirstNormalObjectId: pg_type's bool, the pg_catalog namespace,
 * what information_schema shows of them) stays as it is in every round, and the generated rows
 * stand beside it as user objects' rows: the object's oid a user's, no key a fixed row holds
 * (a second `pg_catalog` namespace), not in pg_catalog's own namespace. A catalog whose rows do not
 * say whose object they are stays as it is. Pure.
 */
import type { Pool, WitnessColumn } from './data-witness.js';
import { columnExpression } from './shape.js';

/** The column naming the object a row belongs to, for catalogs without an oid of their own (the rest keep every row as it is). */
const OWNER_COLUMNS: Readonly<Record<string, string>> = {
  pg_attribute: 'attrelid',
  pg_attrdef: 'adrelid',
  pg_index: 'indexrelid',
  pg_inherits: 'inhrelid',
  pg_sequence: 'seqrelid',
  pg_partitioned_table: 'partrelid',
};

/** pg_catalog's namespace (PG_CATALOG_NAMESPACE): no user object is created in it. */
const PG_CATALOG_NAMESPACE = '11';

/**
 * A catalog as the witness generates it: its row type, the column naming each row's object, its
 * unique keys (column names), and FirstNormalObjectId (sources/installed-code.ts), the first oid of a user's object.
 */
export interface CatalogStandIn { rowType: string; owner: string; uniqueKeys: string[][]; firstUserOid: number }

/** The column of a catalog (pg_catalog, oid below FirstNormalObjectId) that says whose object a row is, or undefined: then no row of it is generated. */
export function ownerColumnOf(relname: string, columns: readonly WitnessColumn[]): string | undefined {
  const owner = columns.some((c) => c.name === 'oid') ? 'oid' : OWNER_COLUMNS[relname];
  return owner !== undefined && columns.some((c) => c.name === owner && c.type === 'oid') ? owner : undefined;
}

/** The owner column's pool kept to a user's objects (oid at or past FirstNormalObjectId), never empty. */
export function userObjectPool(pool: Pool, firstUserOid: number): Pool {
  const values = pool.values.filter((v) => /^\d+$/.test(v) && BigInt(v) >= BigInt(firstUserOid));
  return { values: [...new Set([...values, String(firstUserOid)])], nullable: false };
}

const op = (symbol: string) => `operator(pg_catalog.${symbol})`;
/** Two values equal, or both NULL, by pg_catalog's own `=`. */
const same = (a: string, b: string) => `coalesce(${a} ${op('=')} ${b}, ${a} is null and ${b} is null)`;

/**
 * The select that stands for the catalog in a round: its fixed rows as they are, then `generated`
 * (tableRowsSql of the round's rows) less any row holding a fixed row's unique key or set in pg_catalog.
 */
export function catalogRowsSql(catalog: CatalogStandIn, columns: readonly WitnessColumn[], generated: string): string {
  const owner = columnExpression(catalog.owner);
  const fixed = `parity_b.${owner} ${op('<')} ${Math.trunc(catalog.firstUserOid)}::pg_catalog.oid`;
  const keys = catalog.uniqueKeys.filter((key) => key.length > 0 && !key.includes(catalog.owner))
    .map((key) => `not exists (select from ${catalog.rowType} as parity_b where ${fixed} and ${key.map((c) => same(`parity_b.${columnExpression(c)}`, `parity_g.${columnExpression(c)}`)).join(' and ')})`);
  const namespaces = columns.filter((c) => c.type === 'oid' && c.name.endsWith('namespace'))
    .map((c) => `not ${same(`parity_g.${columnExpression(c.name)}`, `${PG_CATALOG_NAMESPACE}::pg_catalog.oid`)}`);
  const where = [...keys, ...namespaces];
  return `select parity_b.* from ${catalog.rowType} as parity_b where ${fixed}
    union all select parity_g.* from (${generated}) as parity_g${where.length > 0 ? ` where ${where.join(' and ')}` : ''}`;
}

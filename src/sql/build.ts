/**
 * The only place SQL text is assembled. Identifiers are double-quoted as PgDialect does, values
 * are bound parameters, and operator-written expressions are embedded parenthesised after linting.
 */
import { sql, type SQL } from 'drizzle-orm/sql/sql';
import { CasingCache } from 'drizzle-orm/casing';
import type { TableRef } from './identifiers.js';

export { sql, type SQL };

/**
 * PgDialect's own rendering (pg-core/dialect: escapeName, escapeParam, escapeString), without
 * importing pg-core: that loads ~400 modules (tables, columns, query builders) that raw fragments
 * never use, a fifth of a one-shot run's start-up. No column encoders appear in fragments built
 * here, so the dialect's parameter typings would always be "none".
 */
const postgresRendering = {
  casing: new CasingCache(),
  escapeName: (name: string) => `"${name.replace(/"/g, '""')}"`,
  escapeParam: (index: number) => `$${index + 1}`,
  escapeString: (text: string) => `'${text.replace(/'/g, "''")}'`,
};

/** A statement ready for a driver: text with $n placeholders plus the values bound to them. */
export interface CompiledQuery {
  readonly text: string;
  readonly params: unknown[];
}

/** Compiles a drizzle SQL fragment into driver-ready text and parameters. */
export function compile(statement: SQL): CompiledQuery {
  const { sql: text, params } = statement.toQuery(postgresRendering);
  return { text, params };
}

/** A quoted, optionally schema-qualified table name. */
export function tableSql(ref: TableRef): SQL {
  return ref.schema === undefined
    ? sql`${sql.identifier(ref.name)}`
    : sql`${sql.identifier(ref.schema)}.${sql.identifier(ref.name)}`;
}

/**
 * The table name as text that `::regclass` / `to_regclass()` parse back to the same relation;
 * bound as a value, for catalog look-ups.
 */
export function regclassText(ref: TableRef): string {
  const quote = (part: string) => `"${part.replaceAll('"', '""')}"`;
  return ref.schema === undefined ? quote(ref.name) : `${quote(ref.schema)}.${quote(ref.name)}`;
}

/** A quoted column name. */
export function columnSql(name: string): SQL {
  return sql`${sql.identifier(name)}`;
}

/** A trusted, already-linted operator expression, parenthesised so it cannot bind to its neighbours. */
export function expressionSql(expression: string): SQL {
  return sql`(${sql.raw(expression)})`;
}

/** Joins fragments with a separator. */
export function joinSql(parts: SQL[], separator: SQL = sql`, `): SQL {
  return sql.join(parts, separator);
}

/** `true` when there is no predicate, otherwise the parenthesised expression. */
export function predicateSql(where: string | undefined): SQL {
  return where === undefined ? sql`true` : expressionSql(where);
}

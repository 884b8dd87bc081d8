/** Quoting identifiers for the SQL replay builds (table and column names from the catalog or scenario.yaml). */

/** A double-quoted identifier, inner quotes doubled, so a name can never become SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

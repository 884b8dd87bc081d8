/**
 * Which of a result's recorded statements read the checked rows, for tests that count or sum them.
 * A check also asks the server things that read no row of its tables — plans (EXPLAIN), column types
 * and their parts, the encoding, which relation a name reaches, a definition's version — and each new
 * such question would otherwise break every test that counts reads.
 */
const PROBES: readonly RegExp[] = [
  /^\s*explain\b/i,
  /pg_typeof\(/,
  /pg_catalog\.pg_type ty/,
  /server_encoding/,
  /^select to_regclass\(\$\d+\)::oid::text as oid, /,
  /\) as version from \(/,
];

/** Whether a recorded statement reads rows of the checked relations (not a probe of the catalog or the plan). */
export function readsRows(statement: { sql: string }): boolean {
  return !PROBES.some((probe) => probe.test(statement.sql));
}

/** The session settings every read transaction pins, one list for the drivers and the check-file rules. */

/**
 * Session settings pinned for every read: values must serialise identically on every source
 * (table_diff hashes rows on two servers), operator SQL is lexed as the check-file parser lexed it,
 * and parity identifies itself to DBAs.
 */
export const PINNED_SETTINGS: Record<string, string> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, YMD',
  IntervalStyle: 'postgres',
  extra_float_digits: '1',
  bytea_output: 'hex',
  // The check-file parser lexes literals this way; a server set otherwise would split text differently.
  standard_conforming_strings: 'on',
  // A row-level security policy would hide rows from a check, which then verifies only what it
  // sees; with this off, a read a policy would filter fails instead (42501): "could not verify".
  row_security: 'off',
  // Settings a database or role may carry that change what a query returns. A non-zero fuzzy
  // limit makes GIN index scans return a random subset of their matches (a sql_assert over one
  // passed on a sample); the other two change what operator SQL means (`x = NULL` as IS NULL, an
  // unquoted NULL in an array literal as the text 'NULL'), so one check file meant different
  // things on different servers.
  gin_fuzzy_search_limit: '0',
  transform_null_equals: 'off',
  array_nulls: 'on',
  // parity reads type names from the catalog (format_type, regtype) and matches them against its
  // own lists; quoted names ("date") fell off the typed paths.
  quote_all_identifiers: 'off',
  // money is written as lc_monetary says (symbol, separators, decimals): table_diff hashes its text
  // on two servers, which must agree for the same value.
  lc_monetary: 'C',
  // Settings that change what a function returns, which a database, a role or a URL may set for
  // parity's session alone: one-argument to_tsvector/to_tsquery and `text @@ tsquery` read the
  // text search configuration (english drops "the" as a stop word, simple keeps it); to_char and
  // to_number read lc_numeric and lc_time; xml_is_well_formed and xml casts read xmloption; XML
  // built from a bytea reads xmlbinary. A check file means one thing on every server: name a
  // configuration (to_tsvector('english', body)) to stem.
  default_text_search_config: 'pg_catalog.simple',
  lc_numeric: 'C',
  lc_time: 'C',
  xmloption: 'content',
  xmlbinary: 'base64',
  // Not a result setting: parity's statements carry every branch of a type dispatch decided on the
  // server at run time, and the planner prices all of them. Above jit_optimize_above_cost every
  // branch was compiled and optimised in each parallel worker: a 10M-row column_parity took 4.7 s
  // with JIT and 2.2 s without (the simpler statement before, 2.4 s with JIT, 2.1 s without: JIT
  // never paid for its compilation on a read parity makes). Off, a statement costs the same
  // whatever branches it carries.
  jit: 'off',
  // The planner trusts CHECK constraints as true of every row; at `on` (which a database or a role
  // may set) it skips any table a CHECK refutes, at the default `partition` only inheritance
  // children and partitions (whose stored trees the implicit-code guard judges: planner-trusted-code.ts).
  constraint_exclusion: 'partition',
  application_name: 'parity',
};

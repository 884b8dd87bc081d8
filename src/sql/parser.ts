/**
 * The real PostgreSQL parser (libpg_query compiled to wasm, from the `libpg-query` package), so SQL
 * is judged by the grammar the server uses instead of a hand-written tokeniser.
 *
 * libpg-query starts compiling its wasm the moment it is imported, so it is imported dynamically
 * inside `loadSqlParser()`: importing this module costs nothing at start-up.
 */
import type { ParseResult, ScanToken } from 'libpg-query';

type LibPgQuery = typeof import('libpg-query');

export type { ParseResult, ScanToken };

/** The outcome of parsing: a tree, or Postgres's own syntax error with its place in the text. */
export type SqlParse =
  | { readonly kind: 'parsed'; readonly tree: ParseResult }
  | { readonly kind: 'syntax_error'; readonly message: string; readonly offset: number };

/** Thrown by any parse before `loadSqlParser()` has resolved: SQL is never judged without the parser. */
export class SqlParserNotLoadedError extends Error {
  override readonly name = 'SqlParserNotLoadedError';
  constructor(message = 'the PostgreSQL parser is not loaded: await loadSqlParser() before parsing SQL') {
    super(message);
  }
}

let library: LibPgQuery | undefined;
let loading: Promise<void> | undefined;

/** Loads the wasm parser once (later calls share the first load); call before any parse. */
export function loadSqlParser(): Promise<void> {
  loading ??= import('libpg-query').then(
    async (lib) => {
      await lib.loadModule();
      library = lib;
    },
    (cause: unknown) => {
      // A failed load must not poison later attempts (e.g. a transient file-system error).
      loading = undefined;
      throw new Error('could not load the PostgreSQL parser (libpg-query)', { cause });
    },
  );
  return loading;
}

/**
 * `work`'s answer, loading the parser first only if `work` needs it (throws SqlParserNotLoadedError),
 * then running it again, whole: work that parses nothing (a check file without SQL expressions, a
 * row_count of two tables with no filter) never pays the ~90 ms the wasm takes to load.
 */
export async function withSqlParser<T>(work: () => T): Promise<T> {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof SqlParserNotLoadedError)) throw error;
    await loadSqlParser();
    return work();
  }
}

/** True once `loadSqlParser()` has finished. */
export function isSqlParserLoaded(): boolean {
  return library !== undefined;
}

function loadedLibrary(): LibPgQuery {
  if (library === undefined) {
    throw new SqlParserNotLoadedError();
  }
  return library;
}

/**
 * Text the wasm parser and the server could read differently: the parser gets a C string (it
 * stops at NUL), and a lone surrogate is encoded one way for the parser and another by the driver.
 */
function unreadableAt(text: string): { message: string; offset: number } | undefined {
  const nul = text.indexOf('\0');
  if (nul >= 0) return { message: 'contains a NUL character, which Postgres cannot receive in SQL text', offset: nul };
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.exec(text);
  if (lone !== null) return { message: 'contains an unpaired UTF-16 surrogate (not valid Unicode)', offset: lone.index };
  return undefined;
}

/** Parses SQL text with the loaded parser; a syntax error is a value, a missing load throws. */
export function parseSql(text: string): SqlParse {
  const lib = loadedLibrary();
  const unreadable = unreadableAt(text);
  if (unreadable !== undefined) return { kind: 'syntax_error', ...unreadable };
  // libpg-query refuses '' outright; Postgres reads it as no statement at all.
  if (text === '') return { kind: 'parsed', tree: { stmts: [] } };
  try {
    return { kind: 'parsed', tree: lib.parseSync(text) };
  } catch (error) {
    if (!lib.hasSqlDetails(error)) throw error;
    // The parser reports its cursor in code points (Postgres converts bytes to characters for it).
    const offset = indexOfCodePoint(text, error.sqlDetails?.cursorPosition ?? 0);
    return { kind: 'syntax_error', message: error.message, offset };
  }
}

/** The parsed expression `text` (the value of `select (text)`), or undefined when it does not parse. */
export function parseExpression(text: string): unknown {
  const parsed = parseSql(`select (${text})`);
  if (parsed.kind !== 'parsed') return undefined;
  const stmt = (parsed.tree as { stmts?: { stmt?: { SelectStmt?: { targetList?: { ResTarget?: { val?: unknown } }[] } } }[] }).stmts?.[0]?.stmt;
  return stmt?.SelectStmt?.targetList?.[0]?.ResTarget?.val;
}

/**
 * Parses a PL/pgSQL function definition (`CREATE FUNCTION … LANGUAGE plpgsql AS $$…$$`, as
 * `pg_get_functiondef` prints it) into the PL/pgSQL parser's tree. Throws on a syntax error or text
 * the parser cannot receive: callers judge an unreadable body as "cannot tell".
 */
export function parsePlpgsql(definition: string): unknown {
  const lib = loadedLibrary();
  const unreadable = unreadableAt(definition);
  if (unreadable !== undefined) throw new Error(`the function definition ${unreadable.message}`);
  return lib.parsePlPgSQLSync(definition);
}

/**
 * libpg-query's scanner emits control characters other than tab, newline and carriage return
 * unescaped, which breaks its JSON. In text that parsed they can only sit inside a literal, a
 * quoted name or a comment (or be whitespace), where a space lexes the same and has the same byte
 * length — but a newline ends a `--` comment, so those three are kept.
 */
const UNESCAPED_BY_SCANNER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

/** The real lexer's tokens for text that has already parsed (offsets are UTF-8 byte offsets; token text may differ in control characters). */
export function scanSql(text: string): ScanToken[] {
  if (text === '') return [];
  return loadedLibrary().scanSync(text.replace(UNESCAPED_BY_SCANNER, ' ')).tokens;
}

/** The UTF-16 index (a JavaScript string index) of a UTF-8 byte offset into `text`, clamped to its length. */
export function indexOfByte(text: string, byteOffset: number): number {
  let bytes = 0;
  let index = 0;
  while (index < text.length && bytes < byteOffset) {
    const point = text.codePointAt(index) ?? 0;
    bytes += point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
    index += point > 0xffff ? 2 : 1;
  }
  return index;
}

/** The UTF-16 index of the code point numbered `codePoints` in `text`, clamped to its length. */
export function indexOfCodePoint(text: string, codePoints: number): number {
  let seen = 0;
  let index = 0;
  while (index < text.length && seen < codePoints) {
    index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    seen += 1;
  }
  return index;
}

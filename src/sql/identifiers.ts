/**
 * Table and column names in check files are identifiers, never SQL. They are parsed the way
 * Postgres reads them (unquoted parts fold to lower case, "quoted" parts are kept verbatim) and
 * later emitted through a quoting helper, so `users; drop table x` can only ever be a bad name.
 */

export interface TableRef {
  readonly schema?: string;
  readonly name: string;
}

const UNQUOTED = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Splits `schema.table` / `"My Schema"."My Table"` into parts; returns an error message when invalid. */
export function parseQualifiedName(text: string): { parts: string[] } | { error: string } {
  const parts: string[] = [];
  let i = 0;
  const input = text.trim();
  if (input.length === 0) return { error: 'is empty' };
  while (i < input.length) {
    if (input[i] === '"') {
      let part = '';
      i++;
      for (;;) {
        if (i >= input.length) return { error: `has an unterminated quoted identifier` };
        if (input[i] === '"') {
          if (input[i + 1] === '"') { part += '"'; i += 2; continue; }
          i++;
          break;
        }
        part += input[i++];
      }
      if (part.length === 0) return { error: 'has an empty quoted identifier' };
      parts.push(part);
    } else {
      let end = input.indexOf('.', i);
      if (end === -1) end = input.length;
      const part = input.slice(i, end);
      if (!UNQUOTED.test(part)) {
        return { error: `contains "${part}", which is not an identifier (letters, digits, _ and $; quote other names with "…")` };
      }
      parts.push(part.toLowerCase());
      i = end;
    }
    if (i < input.length) {
      if (input[i] !== '.') return { error: `has unexpected text after an identifier at position ${i + 1}` };
      i++;
      if (i >= input.length) return { error: 'ends with "."' };
    }
  }
  return { parts };
}

/** Parses a table reference (`table` or `schema.table`). */
export function parseTableRef(text: string): TableRef | { error: string } {
  const parsed = parseQualifiedName(text);
  if ('error' in parsed) return parsed;
  if (parsed.parts.length > 2) return { error: 'has more than two parts; use schema.table' };
  const [first, second] = parsed.parts as [string, string | undefined];
  return second === undefined ? { name: first } : { schema: first, name: second };
}

/** Parses a single column name. */
export function parseColumnName(text: string): string | { error: string } {
  const parsed = parseQualifiedName(text);
  if ('error' in parsed) return parsed;
  if (parsed.parts.length !== 1) return { error: 'must be a single column name, not a qualified name' };
  return parsed.parts[0]!;
}

/** Renders a table reference for people (not for SQL). */
export function formatTableRef(ref: TableRef): string {
  const show = (part: string) => (UNQUOTED.test(part) && part === part.toLowerCase() ? part : `"${part.replaceAll('"', '""')}"`);
  return ref.schema === undefined ? show(ref.name) : `${show(ref.schema)}.${show(ref.name)}`;
}

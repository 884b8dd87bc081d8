/**
 * Check files → a validated catalog. Parsing and validation are pure (parse-file.ts,
 * build-catalog.ts: text in, catalog or problems out); only loadCatalog touches the file system.
 * Every problem names file:line:column and the key.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import { CheckFileError, type SpecProblem } from '../checkfile/problems.js';
import { withSqlParser } from '../sql/parser.js';
import { secretForms, type Env } from './interpolate.js';
import { registerSecret } from '../logging/secrets.js';
import { listCheckFiles } from './list-check-files.js';
import type { Catalog, LoadedCheck, ParsedFile } from './catalog.js';
import { parseCheckFile } from './parse-file.js';
import { buildCatalog } from './build-catalog.js';

const MAX_FILE_BYTES = 1024 * 1024;

// Operator SQL is judged by the real PostgreSQL parser while the files are parsed. The parser is
// loaded the first time a file asks for it (withSqlParser) — a catalog of checks with no SQL
// expressions never does — and that file is parsed again, whole, once it is there.

/** Reads every *.yaml / *.yml file under `dir` (recursively, sorted) into a catalog, or throws CheckFileError. */
export async function loadCatalog(dir: string, env: Env = process.env): Promise<Catalog> {
  const files = await listCheckFiles(dir);
  const parsed: ParsedFile[] = [];
  const problems: SpecProblem[] = [];
  for (const file of files) {
    const display = path.relative(process.cwd(), file) || file;
    const size = (await stat(file)).size;
    if (size > MAX_FILE_BYTES) {
      problems.push({ file: display, line: 1, column: 1, path: '', message: `file is ${size} bytes; check files are limited to ${MAX_FILE_BYTES}` });
      continue;
    }
    const text = await readFile(file, 'utf8');
    const result = await withSqlParser(() => parseCheckFile(text, display, env, { osUser: osUser() }));
    if (Array.isArray(result)) problems.push(...result);
    else parsed.push(result);
  }
  if (problems.length > 0) throw new CheckFileError(problems);
  const catalog = buildCatalog(parsed);
  if (Array.isArray(catalog)) throw new CheckFileError(catalog);
  // From here on no log line, error, API response or stored result can echo them.
  for (const { value } of catalog.substitutions) for (const form of secretForms(value)) registerSecret(form);
  return catalog;
}

/** The OS user postgres.js falls back to when neither the URL nor PGUSER names one. */
function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** Selects checks by ids and/or tags; unknown ids are reported, not ignored. */
export function selectChecks(catalog: Catalog, selector: { ids?: string[]; tags?: string[] }): { checks: LoadedCheck[]; unknownIds: string[] } {
  const ids = selector.ids ?? [];
  const tags = selector.tags ?? [];
  const unknownIds = ids.filter((id) => !catalog.checks.has(id));
  const all = [...catalog.checks.values()];
  if (ids.length === 0 && tags.length === 0) return { checks: all, unknownIds };
  const checks = all.filter((c) => ids.includes(c.spec.id) || c.spec.tags.some((t) => tags.includes(t)));
  return { checks, unknownIds };
}

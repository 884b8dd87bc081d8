/**
 * Check files → a validated catalog. Parsing and validation are pure (text in, catalog or problems
 * out); only loadCatalog touches the file system. Every problem names file:line:column and the key.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Document } from 'yaml';
import { z } from 'zod';
import { kindNames, kindOf, type CheckSpec } from './registry.js';
import { idSchema, sourceNameSchema } from '../checkfile/common.js';
import { definitionHash } from '../checkfile/hash.js';
import { migrationSchema, type MigrationSpec } from '../checkfile/migrations.js';
import { CheckFileError, formatPath, type SpecProblem } from '../checkfile/problems.js';
import { describeUrl, sourceSpecSchema, type SourceSpec } from '../checkfile/sources.js';
import { flattenIssues } from '../checkfile/zod-issues.js';
import { positionOf, positionOfValue } from '../checkfile/yaml-positions.js';
import { checkYamlNumbers } from '../checkfile/yaml-numbers.js';

const MAX_FILE_BYTES = 1024 * 1024;
const TOP_LEVEL_KEYS = ['sources', 'checks', 'migrations'] as const;

export interface Located { file: string; line: number; column: number }

export interface LoadedCheck {
  spec: CheckSpec;
  /** Hash of what the check verifies; results from another hash never count towards a gate. */
  hash: string;
  at: Located;
}

export interface LoadedSource { name: string; spec: SourceSpec; at: Located }
export interface LoadedMigration { spec: MigrationSpec; at: Located }

/** Everything declared across the check files. */
export interface Catalog {
  sources: Map<string, LoadedSource>;
  checks: Map<string, LoadedCheck>;
  migrations: Map<string, LoadedMigration>;
  files: string[];
}

/** One parsed file before cross-file validation. */
export interface ParsedFile {
  file: string;
  sources: LoadedSource[];
  checks: { spec: CheckSpec; at: Located; sourceRefs: { name: string; at: Located }[] }[];
  migrations: { spec: MigrationSpec; at: Located; requireRefs: { id: string; at: Located }[] }[];
}

export type Env = Record<string, string | undefined>;

/** Parses and validates one check file's text. Pure: the environment is passed in. */
export function parseCheckFile(text: string, file: string, env: Env): ParsedFile | SpecProblem[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true });
  const problems: SpecProblem[] = [];
  const at = (p: readonly PropertyKey[], key?: string): Located => ({ file, ...positionOf(doc, counter, p, key) });
  const problem = (p: readonly PropertyKey[], message: string, key?: string) =>
    problems.push({ ...at(p, key), path: formatPath(key === undefined ? p : [...p, key]), message });

  for (const error of doc.errors) {
    const pos = error.linePos?.[0] ?? { line: 1, col: 1 };
    problems.push({ file, line: pos.line, column: pos.col, path: '', message: `YAML: ${error.message.split('\n')[0]}` });
  }
  if (problems.length > 0) return problems;
  for (const inexact of checkYamlNumbers(doc)) {
    const pos = counter.linePos(inexact.offset);
    problems.push({ file, line: pos.line, column: pos.col, path: formatPath(inexact.path), message: inexact.message });
  }
  if (problems.length > 0) return problems;

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return [{ file, line: 1, column: 1, path: '', message: `YAML: ${(error as Error).message}` }];
  }
  const parsed: ParsedFile = { file, sources: [], checks: [], migrations: [] };
  if (data === null || data === undefined) return parsed;
  if (typeof data !== 'object' || Array.isArray(data)) {
    problem([], `a check file is a mapping with ${TOP_LEVEL_KEYS.join(', ')}`);
    return problems;
  }
  for (const key of Object.keys(data)) {
    if (!(TOP_LEVEL_KEYS as readonly string[]).includes(key)) problem([], `unknown top-level key "${key}"; allowed keys: ${TOP_LEVEL_KEYS.join(', ')}`, key);
  }
  const record = data as Record<string, unknown>;

  if (record.sources !== undefined) {
    if (!isMap(doc.get('sources', true)) || typeof record.sources !== 'object' || Array.isArray(record.sources) || record.sources === null) {
      problem(['sources'], 'must be a mapping of source name to { url, … }');
    } else {
      for (const [name, raw] of Object.entries(record.sources)) {
        const base = ['sources', name];
        const nameCheck = sourceNameSchema.safeParse(name);
        if (!nameCheck.success) problem(['sources'], `source name "${name}" ${nameCheck.error.issues[0]?.message}`, name);
        const interpolated = interpolateUrl(raw, env);
        if ('error' in interpolated) {
          problem([...base, 'url'], interpolated.error);
          continue;
        }
        const result = sourceSpecSchema.safeParse(interpolated.value, { reportInput: true });
        if (!result.success) {
          for (const issue of flattenIssues(result.error.issues, base, sourceSpecSchema)) problem(issue.path, issue.message, issue.key);
          continue;
        }
        parsed.sources.push({ name, spec: result.data, at: at(base) });
      }
    }
  }

  if (record.checks !== undefined) {
    if (!Array.isArray(record.checks) || !isSeq(doc.get('checks', true))) {
      problem(['checks'], 'must be a list of checks');
    } else {
      record.checks.forEach((raw, index) => {
        const base = ['checks', index];
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
          problem(base, 'each check is a mapping with at least id and kind');
          return;
        }
        const kindName = (raw as Record<string, unknown>).kind;
        if (kindName === undefined) {
          problem(base, `missing key "kind"; allowed kinds: ${kindNames.join(', ')}`);
          return;
        }
        const kind = typeof kindName === 'string' ? kindOf(kindName) : undefined;
        if (!kind) {
          problem([...base, 'kind'], `unknown kind ${JSON.stringify(kindName)}; allowed kinds: ${kindNames.join(', ')}`);
          return;
        }
        const result = kind.schema.safeParse(raw, { reportInput: true });
        if (!result.success) {
          for (const issue of flattenIssues(result.error.issues, base, kind.schema)) problem(issue.path, issue.message, issue.key);
          return;
        }
        const spec = result.data as CheckSpec;
        const sourceRefs = kind.sourcesOf(spec).map((name: string) => ({
          name,
          at: { file, ...(positionOfValue(doc, counter, base, 'source', name) ?? positionOf(doc, counter, base)) },
        }));
        parsed.checks.push({ spec, at: at(base), sourceRefs });
      });
    }
  }

  if (record.migrations !== undefined) {
    const result = z.array(migrationSchema).safeParse(record.migrations, { reportInput: true });
    if (!result.success) {
      for (const issue of flattenIssues(result.error.issues, ['migrations'], z.array(migrationSchema))) problem(issue.path, issue.message, issue.key);
    } else {
      result.data.forEach((spec, index) => {
        const requireRefs = spec.phases.flatMap((phase, p) =>
          phase.requires.map((id, r) => ({ id, at: at(['migrations', index, 'phases', p, 'requires', r]) })),
        );
        parsed.migrations.push({ spec, at: at(['migrations', index]), requireRefs });
      });
    }
  }
  return problems.length > 0 ? problems : parsed;
}

/** `${VAR}` and `${VAR:-default}` in a source's url — the only place check files read the environment. */
function interpolateUrl(raw: unknown, env: Env): { value: unknown } | { error: string } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { value: raw };
  const url = (raw as Record<string, unknown>).url;
  if (typeof url !== 'string') return { value: raw };
  let missing: string | undefined;
  const value = url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    missing ??= name;
    return '';
  });
  if (missing) return { error: `environment variable ${missing} is not set (referenced as \${${missing}})` };
  return { value: { ...(raw as object), url: value } };
}

/** Cross-file validation: unique ids, declared sources, existing required checks. Pure. */
export function buildCatalog(files: ParsedFile[]): Catalog | SpecProblem[] {
  const problems: SpecProblem[] = [];
  const catalog: Catalog = { sources: new Map(), checks: new Map(), migrations: new Map(), files: files.map((f) => f.file) };
  const where = (l: Located) => `${l.file}:${l.line}:${l.column}`;

  for (const file of files) {
    for (const source of file.sources) {
      const existing = catalog.sources.get(source.name);
      if (existing) problems.push({ ...source.at, path: `sources.${source.name}`, message: `source "${source.name}" is already declared at ${where(existing.at)}` });
      else catalog.sources.set(source.name, source);
    }
  }
  const declared = () => [...catalog.sources.keys()].join(', ') || '(none)';
  for (const file of files) {
    for (const check of file.checks) {
      const id = check.spec.id;
      const existing = catalog.checks.get(id);
      if (existing) {
        problems.push({ ...check.at, path: 'id', message: `duplicate check id "${id}"; first declared at ${where(existing.at)}` });
        continue;
      }
      const identities: Record<string, string> = {};
      let ok = true;
      for (const ref of check.sourceRefs) {
        const source = catalog.sources.get(ref.name);
        if (!source) {
          problems.push({ ...ref.at, path: 'source', message: `check "${id}" reads source "${ref.name}", which is not declared; declared sources: ${declared()}` });
          ok = false;
        } else {
          identities[ref.name] = describeUrl(source.spec.url);
        }
      }
      if (!ok) continue;
      catalog.checks.set(id, { spec: check.spec, hash: definitionHash(hashedPart(check.spec), identities), at: check.at });
    }
  }
  for (const file of files) {
    for (const migration of file.migrations) {
      const id = migration.spec.id;
      const existing = catalog.migrations.get(id);
      if (existing) {
        problems.push({ ...migration.at, path: 'id', message: `duplicate migration id "${id}"; first declared at ${where(existing.at)}` });
        continue;
      }
      const phases = new Set<string>();
      for (const phase of migration.spec.phases) {
        if (phases.has(phase.name)) problems.push({ ...migration.at, path: 'phases', message: `phase "${phase.name}" is declared twice in migration "${id}"` });
        phases.add(phase.name);
      }
      for (const ref of migration.requireRefs) {
        if (!catalog.checks.has(ref.id) && !files.some((f) => f.checks.some((c) => c.spec.id === ref.id))) {
          problems.push({ ...ref.at, path: 'requires', message: `migration "${id}" requires check "${ref.id}", which is not declared` });
        }
      }
      catalog.migrations.set(id, migration);
    }
  }
  return problems.length > 0 ? problems : catalog;
}

/** Metadata that does not change what a check verifies stays out of its definition hash. */
function hashedPart(spec: CheckSpec): unknown {
  const { description: _d, tags: _t, schedule: _s, time_zone: _z, timeout: _o, ...rest } = spec;
  return rest;
}

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
    const result = parseCheckFile(await readFile(file, 'utf8'), display, env);
    if (Array.isArray(result)) problems.push(...result);
    else parsed.push(result);
  }
  if (problems.length > 0) throw new CheckFileError(problems);
  const catalog = buildCatalog(parsed);
  if (Array.isArray(catalog)) throw new CheckFileError(catalog);
  return catalog;
}

async function listCheckFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    throw new CheckFileError([{ file: dir, line: 1, column: 1, path: '', message: `cannot read checks directory: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }]);
  }
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
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

export { idSchema };
export type { Document };

/**
 * Check files → a validated catalog. Parsing and validation are pure (text in, catalog or problems
 * out); only loadCatalog touches the file system. Every problem names file:line:column and the key.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { userInfo } from 'node:os';
import { LineCounter, parseDocument, isMap, isSeq, type Document } from 'yaml';
import { z } from 'zod';
import { kindNames, kindOf, type CheckSpec } from './registry.js';
import { idSchema, sourceNameSchema } from '../checkfile/common.js';
import { definitionHash } from '../checkfile/hash.js';
import { migrationSchema, type MigrationSpec } from '../checkfile/migrations.js';
import { retentionSchema, type RetentionSettings } from '../checkfile/retention.js';
import { CheckFileError, formatPath, type SpecProblem } from '../checkfile/problems.js';
import { sourceIdentity, sourceSpecSchema, type SourceSpec } from '../checkfile/sources.js';
import type { ResolvedTarget } from '../checkfile/target.js';
import { describeValue, flattenIssues } from '../checkfile/zod-issues.js';
import { positionInValue, positionOf, positionOfValue } from '../checkfile/yaml-positions.js';
import { checkYamlNumbers } from '../checkfile/yaml-numbers.js';
import { loadSqlParser, SqlParserNotLoadedError } from '../sql/parser.js';
import type { Schedule } from '../checkfile/cron.js';
import { scheduleOfCheck } from './schedules.js';
import { hideSubstitutions, interpolateData, pathKey, secretForms, type Env, type Interpolated, type Substitution } from './interpolate.js';
import { registerSecret } from '../logging/secrets.js';
import { listCheckFiles } from './list-check-files.js';

export { listCheckFiles };

const MAX_FILE_BYTES = 1024 * 1024;
const TOP_LEVEL_KEYS = ['sources', 'checks', 'migrations', 'retention'] as const;

export interface Located { file: string; line: number; column: number }

/**
 * What the file says where it read the environment, keyed by the path inside the entry
 * (`url`, `old.http`, `new.headers.authorization`): the form to show. `spec` holds the resolved
 * values, for execution only.
 */
export type Templates = Readonly<Record<string, string>>;

export interface LoadedCheck {
  spec: CheckSpec;
  templates?: Templates;
  /** Hash of what the check verifies; results from another hash never count towards a gate. */
  hash: string;
  at: Located;
  /** The parsed `schedule:` (UTC unless `time_zone:` says otherwise); undefined when unscheduled. */
  schedule?: Schedule | undefined;
}

/** A declared source; `identity` (embedded name or resolved target) is what check hashes cover. */
export interface LoadedSource { name: string; spec: SourceSpec; at: Located; identity: string | ResolvedTarget; templates?: Templates }
export interface LoadedMigration { spec: MigrationSpec; at: Located }

/** Everything declared across the check files. */
export interface Catalog {
  sources: Map<string, LoadedSource>;
  checks: Map<string, LoadedCheck>;
  migrations: Map<string, LoadedMigration>;
  files: string[];
  /** Every value taken from the environment: secrets, never shown (loadCatalog registers them for redaction). */
  substitutions: Substitution[];
  /** The `retention:` block (at most one across the files); absent → DEFAULT_RETENTION. */
  retention?: { settings: RetentionSettings; at: Located } | undefined;
}

/** One parsed file before cross-file validation. */
export interface ParsedFile {
  file: string;
  sources: LoadedSource[];
  checks: { spec: CheckSpec; at: Located; sourceRefs: { name: string; at: Located }[]; schedule?: Schedule | undefined; templates?: Templates }[];
  migrations: { spec: MigrationSpec; at: Located; requireRefs: { id: string; at: Located }[] }[];
  interpolated: Interpolated[];
  retention?: { settings: RetentionSettings; at: Located } | undefined;
}

export type { Env };

/** The templates of the interpolated strings under `base`, keyed by the rest of their path. */
function templatesUnder(interpolated: readonly Interpolated[], base: readonly (string | number)[]): Templates | undefined {
  const inside = interpolated.filter((i) => base.every((segment, n) => i.path[n] === segment));
  if (inside.length === 0) return undefined;
  return Object.fromEntries(inside.map((i) => [pathKey(i.path.slice(base.length)), i.template]));
}

/** What parsing depends on besides the text: `now` (schedules that never fire again) and the OS user (the driver's last resort). */
export interface ParseContext { now?: Date; osUser?: string | undefined }

/**
 * Parses and validates one check file's text. Pure: the environment and the context are passed
 * in. Problems never show a value that came from the environment, only the `${NAME}` it came from.
 */
export function parseCheckFile(text: string, file: string, env: Env, context: ParseContext = {}): ParsedFile | SpecProblem[] {
  const interpolated: Interpolated[] = [];
  const result = parseData(text, file, env, interpolated, context.now ?? new Date(), context.osUser);
  if (!Array.isArray(result)) return result;
  const substitutions = interpolated.flatMap((i) => i.substitutions);
  return result.map((p) => ({ ...p, message: hideSubstitutions(p.message, substitutions) }));
}

function parseData(text: string, file: string, env: Env, interpolated: Interpolated[], now: Date, osUser: string | undefined): ParsedFile | SpecProblem[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true });
  const problems: SpecProblem[] = [];
  const at = (p: readonly PropertyKey[], key?: string): Located => ({ file, ...positionOf(doc, counter, p, key) });
  const problem = (p: readonly PropertyKey[], message: string, key?: string, offset?: number) => {
    // An SQL refusal points at the offending character inside the value, not just the value.
    const inValue = offset === undefined ? undefined : positionInValue(doc, counter, text, p, offset);
    problems.push({ ...(inValue ? { file, ...inValue } : at(p, key)), path: formatPath(key === undefined ? p : [...p, key]), message });
  };

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
  const parsed: ParsedFile = { file, sources: [], checks: [], migrations: [], interpolated };
  if (data === null || data === undefined) return parsed;
  const substituted = interpolateData(data, env);
  interpolated.push(...substituted.interpolated);
  for (const p of substituted.problems) problem(p.path, p.message, p.key);
  // The schema's complaint about a reference that could not be resolved would only repeat it.
  const unresolved = new Set(substituted.problems.filter((p) => p.key === undefined).map((p) => formatPath(p.path)));
  const reported = problems.length;
  data = substituted.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
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
        const result = sourceSpecSchema.safeParse(raw, { reportInput: true });
        if (!result.success) {
          for (const issue of flattenIssues(result.error.issues, base, sourceSpecSchema)) problem(issue.path, issue.message, issue.key);
          continue;
        }
        // Resolved here, with the same environment the driver will see: a URL that cannot be resolved is a load error.
        const resolved = sourceIdentity(result.data.url, env, osUser);
        if ('error' in resolved) {
          problem([...base, 'url'], resolved.error);
          continue;
        }
        const templates = templatesUnder(interpolated, base);
        parsed.sources.push({ name, spec: result.data, at: at(base), identity: resolved.identity, ...(templates ? { templates } : {}) });
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
          problem([...base, 'kind'], `unknown kind ${typeof kindName === 'string' ? JSON.stringify(kindName) : describeValue(kindName)}; allowed kinds: ${kindNames.join(', ')}`);
          return;
        }
        const result = kind.schema.safeParse(raw, { reportInput: true });
        if (!result.success) {
          for (const issue of flattenIssues(result.error.issues, base, kind.schema)) problem(issue.path, issue.message, issue.key, issue.offset);
          return;
        }
        const spec = result.data as CheckSpec;
        const sourceRefs = kind.sourcesOf(spec).map((name: string) => ({
          name,
          at: { file, ...(positionOfValue(doc, counter, base, 'source', name) ?? positionOf(doc, counter, base)) },
        }));
        const schedule = scheduleOfCheck(spec, now);
        if (schedule !== undefined && 'error' in schedule) {
          problem([...base, schedule.key], schedule.error);
          return;
        }
        const templates = templatesUnder(interpolated, base);
        parsed.checks.push({ spec, at: at(base), sourceRefs, schedule, ...(templates ? { templates } : {}) });
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
  if (record.retention !== undefined) {
    const result = retentionSchema.safeParse(record.retention ?? {}, { reportInput: true });
    if (!result.success) {
      for (const issue of flattenIssues(result.error.issues, ['retention'], retentionSchema)) problem(issue.path, issue.message, issue.key);
    } else {
      parsed.retention = { settings: result.data, at: at(['retention']) };
    }
  }
  const kept = problems.filter((p, index) => index < reported || !unresolved.has(p.path));
  return kept.length > 0 ? kept : parsed;
}

/** Cross-file validation: unique ids, declared sources, existing required checks. Pure. */
export function buildCatalog(files: ParsedFile[]): Catalog | SpecProblem[] {
  const problems: SpecProblem[] = [];
  const catalog: Catalog = {
    sources: new Map(), checks: new Map(), migrations: new Map(), files: files.map((f) => f.file),
    substitutions: files.flatMap((f) => f.interpolated.flatMap((i) => i.substitutions)),
  };
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
      const identities: Record<string, unknown> = {};
      let ok = true;
      for (const ref of check.sourceRefs) {
        const source = catalog.sources.get(ref.name);
        if (!source) {
          problems.push({ ...ref.at, path: 'source', message: `check "${id}" reads source "${ref.name}", which is not declared; declared sources: ${declared()}` });
          ok = false;
        } else {
          identities[ref.name] = source.identity;
        }
      }
      if (!ok) continue;
      catalog.checks.set(id, {
        spec: check.spec, hash: definitionHash(hashedPart(check.spec), identities), at: check.at, schedule: check.schedule, ...(check.templates ? { templates: check.templates } : {}),
      });
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
  for (const file of files) {
    if (!file.retention) continue;
    if (catalog.retention) problems.push({ ...file.retention.at, path: 'retention', message: `retention is already declared at ${where(catalog.retention.at)}; declare it in one file` });
    else catalog.retention = file.retention;
  }
  return problems.length > 0 ? problems : catalog;
}

/** Metadata that does not change what a check verifies stays out of its definition hash. */
function hashedPart(spec: CheckSpec): unknown {
  const { description: _d, tags: _t, schedule: _s, time_zone: _z, timeout: _o, ...rest } = spec;
  return rest;
}

/**
 * Operator SQL is judged by the real PostgreSQL parser while the files are parsed. The parser (its
 * wasm takes ~90 ms to load) is loaded the first time a file asks for it — a catalog of checks with
 * no SQL expressions never does — and that file is parsed again, whole, once it is there.
 */
async function withSqlParser<T>(parse: () => T): Promise<T> {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof SqlParserNotLoadedError)) throw error;
    await loadSqlParser();
    return parse();
  }
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

export { idSchema };
export type { Document };

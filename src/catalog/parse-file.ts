/**
 * One check file's text → its sources, checks and migrations, or problems at file:line:column.
 * Pure: the environment and the context are passed in.
 */
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq } from 'yaml';
import { z } from 'zod';
import { kindNames, kindOf, type CheckSpec } from './registry.js';
import { sourceNameSchema } from '../checkfile/common.js';
import { migrationSchema } from '../checkfile/migrations.js';
import { retentionSchema } from '../checkfile/retention.js';
import { formatPath, type SpecProblem } from '../checkfile/problems.js';
import { sourceIdentity, sourceSpecSchema } from '../checkfile/sources.js';
import { describeValue, flattenIssues } from '../checkfile/zod-issues.js';
import { positionInValue, positionOf, positionOfValue } from '../checkfile/yaml-positions.js';
import { checkYamlNumbers } from '../checkfile/yaml-numbers.js';
import { checkYamlMeaning } from '../checkfile/yaml-meaning.js';
import { scheduleOfCheck } from './schedules.js';
import { hideSubstitutions, interpolateData, pathKey, type Env, type Interpolated } from './interpolate.js';
import type { Located, ParsedFile, Templates } from './catalog.js';

const TOP_LEVEL_KEYS = ['sources', 'checks', 'migrations', 'retention'] as const;

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
  // YAML 1.2's core schema whatever the file says: no timestamps, sets, binary or merge keys.
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true, strict: true, version: '1.2', schema: 'core', resolveKnownTags: false, merge: false });
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
  for (const refused of checkYamlMeaning(doc)) {
    const pos = counter.linePos(refused.offset);
    problems.push({ file, line: pos.line, column: pos.col, path: formatPath(refused.path), message: refused.message });
  }
  if (problems.length > 0) return problems;
  // Any other warning is the parser unsure what the text means (an ambiguous alias, say).
  for (const warning of doc.warnings) {
    const pos = warning.linePos?.[0] ?? { line: 1, col: 1 };
    problems.push({ file, line: pos.line, column: pos.col, path: '', message: `YAML: ${warning.message.split('\n')[0]}` });
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
        const sides = kind.sides?.(spec);
        parsed.checks.push({ spec, at: at(base), sourceRefs, schedule, ...(templates ? { templates } : {}), ...(sides ? { sides: { ...sides, at: at(base, 'new'), path: formatPath([...base, 'new']) } } : {}) });
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

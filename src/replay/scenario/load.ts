/**
 * Loads a scenario folder: scenario.yaml (validated, every problem at file:line:column), the SQL
 * step files, and the check file in the same format as checks/. Parsing is pure; only
 * loadScenario reads the file system.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { parseCheckFile } from '../../catalog/parse-file.js';
import type { ParsedFile } from '../../catalog/catalog.js';
import { formatProblem, type SpecProblem } from '../../checkfile/problems.js';
import { flattenIssues } from '../../checkfile/zod-issues.js';
import { positionOf } from '../../checkfile/yaml-positions.js';
import { mutationClass, type MutationClass } from '../mutations/catalogue.js';
import { scenarioSchema, type MutationSpec, type ScenarioSpec, type StepName } from './schema.js';
import { loadSqlParser } from '../../sql/parser.js';

/** The file that makes a folder a scenario. */
export const SCENARIO_FILE = 'scenario.yaml';

/** A mutation from the scenario, with its id settled and its class resolved. */
export interface MutationInstance extends MutationSpec {
  id: string;
  definition: MutationClass;
}

/** A step's SQL file, read. */
export interface ScenarioStep { file: string; text: string }

/** Everything replay needs from a scenario folder. */
export interface Scenario {
  dir: string;
  name: string;
  description?: string | undefined;
  spec: ScenarioSpec;
  steps: Record<Exclude<StepName, 'stop_old_writes'>, ScenarioStep> & { stop_old_writes?: ScenarioStep | undefined };
  /** The validated check file; its sources are pointed at the replay database at run time. */
  checks: ParsedFile;
  mutations: MutationInstance[];
}

/** Thrown for a scenario replay cannot run; lists every problem found. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(readonly problems: SpecProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the scenario:\n${problems.map(formatProblem).join('\n')}`);
  }
}

/**
 * Check files may read `${DATABASE_URL}` and the like; under replay every source points at the
 * replay database anyway, so any variable resolves to a placeholder instead of failing the load.
 */
const PLACEHOLDER_ENV = new Proxy({}, { get: (_, name) => (typeof name === 'string' ? 'embedded:replay' : undefined) }) as Record<string, string>;

/** Parses and validates scenario.yaml text. Pure. */
export function parseScenario(text: string, file: string): ScenarioSpec | SpecProblem[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({ file, line: e.linePos?.[0]?.line ?? 1, column: e.linePos?.[0]?.col ?? 1, path: '', message: `YAML: ${e.message.split('\n')[0]}` }));
  }
  const at = (p: readonly PropertyKey[], key?: string) => ({ file, ...positionOf(doc, counter, p, key) });
  const problem = (p: readonly PropertyKey[], message: string, key?: string): SpecProblem =>
    ({ ...at(p, key), path: [...p, ...(key === undefined ? [] : [key])].map(String).join('.'), message });
  const result = scenarioSchema.safeParse(doc.toJS());
  if (!result.success) return flattenIssues(result.error.issues, [], scenarioSchema).map((i) => problem(i.path, i.message, i.key));
  const spec = result.data;
  const problems: SpecProblem[] = [];

  for (const [tableName, table] of Object.entries(spec.tables)) {
    for (const [column, columnSpec] of Object.entries(table.columns)) {
      if (table.key.includes(column)) problems.push(problem(['tables', tableName, 'columns', column], `"${column}" is a key column; keys are filled by the database, not generated`));
      if (columnSpec.type === 'local_timestamp' && columnSpec.zone_column !== undefined && table.columns[columnSpec.zone_column]?.type !== 'time_zone') {
        problems.push(problem(['tables', tableName, 'columns', column, 'zone_column'], `zone_column "${columnSpec.zone_column}" must name a time_zone column of ${tableName}`));
      }
    }
  }
  for (const phase of ['before_switch', 'after_switch'] as const) {
    spec.app[phase].forEach((write, i) => write.params.forEach((ref, p) => {
      const [tableName, column] = ref.split('.') as [string, string];
      const table = spec.tables[tableName];
      if (!table) problems.push(problem(['app', phase, i, 'params', p], `unknown table "${tableName}"; tables: ${Object.keys(spec.tables).join(', ')}`));
      else if (!table.key.includes(column) && !(column in table.columns)) {
        problems.push(problem(['app', phase, i, 'params', p], `"${column}" is neither a key nor a generated column of ${tableName}; columns: ${[...table.key, ...Object.keys(table.columns)].join(', ')}`));
      }
    }));
  }
  const ids = new Map<string, number>();
  spec.mutations.forEach((m, i) => {
    const id = m.id ?? m.class;
    if (ids.has(id)) problems.push(problem(['mutations', i], `mutation id "${id}" is used twice (mutations[${ids.get(id)}] too); give each an id:`));
    ids.set(id, i);
  });
  return problems.length > 0 ? problems : spec;
}

/** Reads and validates a scenario folder, or throws ScenarioError naming every problem. */
export async function loadScenario(dir: string): Promise<Scenario> {
  await loadSqlParser();
  const root = path.resolve(dir);
  const display = (file: string) => path.relative(process.cwd(), path.join(root, file)) || file;
  const read = async (file: string): Promise<string | SpecProblem> => {
    try {
      return await readFile(path.join(root, file), 'utf8');
    } catch (error) {
      return { file: display(file), line: 1, column: 1, path: '', message: `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
  };
  const scenarioText = await read(SCENARIO_FILE);
  if (typeof scenarioText !== 'string') throw new ScenarioError([{ ...scenarioText, message: `not a scenario folder: ${scenarioText.message}` }]);
  const spec = parseScenario(scenarioText, display(SCENARIO_FILE));
  if (Array.isArray(spec)) throw new ScenarioError(spec);

  const problems: SpecProblem[] = [];
  const files: [StepName, string][] = [
    ['old_schema', spec.steps.old_schema], ['expand', spec.steps.expand], ['dual_write', spec.steps.dual_write],
    ['backfill', spec.steps.backfill.batch], ['read_switch', spec.steps.read_switch], ['contract', spec.steps.contract],
    ...(spec.steps.stop_old_writes === undefined ? [] : [['stop_old_writes', spec.steps.stop_old_writes] as [StepName, string]]),
  ];
  const steps = {} as Scenario['steps'];
  for (const [step, file] of files) {
    const text = await read(file);
    if (typeof text === 'string') steps[step] = { file, text };
    else problems.push(text);
  }
  const checksText = await read(spec.checks);
  let checks: ParsedFile | undefined;
  if (typeof checksText !== 'string') problems.push(checksText);
  else {
    const parsed = parseCheckFile(checksText, display(spec.checks), PLACEHOLDER_ENV);
    if (Array.isArray(parsed)) problems.push(...parsed);
    else if (parsed.checks.length === 0) problems.push({ file: display(spec.checks), line: 1, column: 1, path: 'checks', message: 'the check file declares no checks, so nothing could catch a defect' });
    else checks = parsed;
  }
  // A use of the old shape changes no data: only an unused check, watching after old writes stop, can catch it.
  const watching = spec.mutations.filter((m) => mutationClass(m.class).window === 'contract_window');
  if (watching.length > 0 && checks) {
    const where = { file: display(SCENARIO_FILE), line: 1, column: 1, path: 'mutations' };
    if (spec.steps.stop_old_writes === undefined) problems.push({ ...where, message: `${watching.map((m) => m.class).join(', ')} strike after old writes stop: declare steps.stop_old_writes` });
    if (!checks.checks.some((c) => c.spec.kind === 'unused')) problems.push({ ...where, message: `${watching.map((m) => m.class).join(', ')} can only be caught by an unused check; ${spec.checks} has none` });
  }
  if (problems.length > 0 || !checks) throw new ScenarioError(problems);
  return {
    dir: root,
    name: spec.name ?? path.basename(root),
    description: spec.description,
    spec,
    steps,
    checks,
    mutations: spec.mutations.map((m) => ({ ...m, id: m.id ?? m.class, definition: mutationClass(m.class) })),
  };
}

/** Runs checks written as YAML against a test database, through the real loader and engine. */
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { Catalog, LoadedCheck } from '../../src/catalog/catalog.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import { createLimiter } from '../../src/concurrency/limiter.js';
import { executeCheck } from '../../src/runner/execute-check.js';
import type { FinishedResult } from '../../src/store/runs.js';
import type { TestDatabase } from './databases.js';

/** Builds a catalog from YAML, with every source in `sources` pointing at its database. */
export function catalogFromYaml(yaml: string, sources: Record<string, TestDatabase>): Catalog {
  const header = `sources:\n${Object.entries(sources).map(([name, db]) => `  ${name}: { url: "${db.url}" }`).join('\n')}\n`;
  const parsed = parseCheckFile(header + yaml, 'test.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

export function registryForCatalog(catalog: Catalog, sources: Record<string, TestDatabase>): SourceRegistry {
  const dataDir = Object.values(sources)[0]?.dataDir ?? 'memory:none';
  return createSourceRegistry(catalog.sources, { dataDir });
}

/** Executes one loaded check (no store involved). */
export async function execute(check: LoadedCheck, registry: SourceRegistry, signal = new AbortController().signal): Promise<FinishedResult> {
  return executeCheck(check, { sources: registry, limiters: () => createLimiter(4), signal, now: () => new Date() });
}

/** Loads a whole check file (its own `sources:` naming `app`, which runs against `db`) and executes its first check; throws the load problems. */
export async function runCheckFile(db: TestDatabase, text: string): Promise<FinishedResult> {
  const parsed = parseCheckFile(text, 'test.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  const registry = registryForCatalog(catalog, { app: db });
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

/** Executes a loaded catalog's first check against `sources` (by source name), closing the sources after. */
export async function runFirstCheck(catalog: Catalog, sources: Record<string, TestDatabase>): Promise<FinishedResult> {
  const registry = registryForCatalog(catalog, sources);
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

/** Parses `checks:` YAML with a single `app` source and executes the check with the given id. */
export async function runCheck(db: TestDatabase, checksYaml: string, id?: string): Promise<FinishedResult> {
  const catalog = catalogFromYaml(checksYaml, { app: db });
  const registry = registryForCatalog(catalog, { app: db });
  try {
    const check = id ? catalog.checks.get(id) : [...catalog.checks.values()][0];
    if (!check) throw new Error(`no check ${id}`);
    return await execute(check, registry);
  } finally {
    await registry.closeAll();
  }
}

/**
 * One check (a YAML flow mapping on the `app` source) run and said in one line: `pass: <summary>`,
 * `<status> <fault code>`, or `refused at load: <message>` — for tables of cases that must not pass.
 */
export async function statusOfCheck(db: TestDatabase, check: string): Promise<string> {
  try {
    const result = await runCheck(db, `checks:\n  - ${check}\n`);
    return result.status === 'pass' ? `pass: ${result.summary}` : `${result.status} ${result.error?.code ?? ''}`;
  } catch (e) {
    return `refused at load: ${(e as Error).message}`;
  }
}

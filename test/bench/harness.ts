/** Running parity operations the way the service does, and timing them against psql. */
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import type { Store } from '../../src/store/store.js';
import { pinnedSetup } from './psql-pinned.js';
import { median, timeWithPsql } from './psql.js';
import { loadSqlParser } from '../../src/sql/parser.js';

// Check files are judged by the PostgreSQL parser while they are parsed (see catalog/load.ts).
await loadSqlParser();

export interface OperationResult {
  operation: string;
  target: string;
  parity_ms: number;
  baseline_ms: number;
  ratio: number;
  limit: number;
  met: boolean;
  note?: string;
  extra?: Record<string, unknown>;
  /** The day (UTC, YYYY-MM-DD) this entry was measured: partial runs refresh some entries only. */
  measured_at?: string;
}

export interface BenchContext {
  sourceUrls: Record<string, string>;
  store: Store;
  runs: number;
  log(line: string): void;
  peakRss: { value: number };
}

/** Builds a catalog from check YAML, with the given sources. */
export function catalogOf(yaml: string, sources: Record<string, string>, scan?: Record<string, unknown>): Catalog {
  const header = `sources:\n${Object.entries(sources).map(([name, url]) => `  ${name}: { url: "${url}", statement_timeout: 10m, max_connections: 4${scan ? `, scan: ${JSON.stringify(scan)}` : ''} }`).join('\n')}\n`;
  const parsed = parseCheckFile(header + yaml, 'bench.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

/** Runs every check of the catalog once through the real runner. */
export async function runOnce(catalog: Catalog, sources: SourceRegistry, store: Store, fuse = true): Promise<{ run: FinishedRun; ms: number }> {
  const runner = createRunner({ store, sources, fuseScans: fuse, checkConcurrency: 8 });
  const started = performance.now();
  const run = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'cli' })).finished;
  return { run, ms: performance.now() - started };
}

/**
 * Median wall time of `runs` parity runs after one warm-up; also returns the warm-up run.
 * `between` runs after the warm-up and after each timed run: baselines timed there alternate with
 * parity's runs, so a noisy neighbour slows both alike instead of whichever ran during it.
 */
export async function timeParity(ctx: BenchContext, catalog: Catalog, fuse = true, between?: (warm: FinishedRun) => void): Promise<{ ms: number; run: FinishedRun; all: number[] }> {
  const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:bench' });
  try {
    const warm = await runOnce(catalog, sources, ctx.store, fuse);
    for (const r of warm.run.results) {
      if (r.status === 'error') throw new Error(`${r.checkId} errored: ${JSON.stringify(r.error)}`);
    }
    between?.(warm.run);
    const times: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      times.push((await runOnce(catalog, sources, ctx.store, fuse)).ms);
      between?.(warm.run);
    }
    return { ms: median(times), run: warm.run, all: times };
  } finally {
    await sources.closeAll();
  }
}

function distinctStatements(run: FinishedRun): { source: string; sql: string; params: unknown[] }[] {
  const seen = new Map<string, { source: string; sql: string; params: unknown[] }>();
  for (const statement of run.results.flatMap((r) => r.statements)) {
    seen.set(statement.sql + JSON.stringify(statement.params ?? []), { source: statement.source, sql: statement.sql, params: statement.params ?? [] });
  }
  return [...seen.values()];
}

/**
 * A psql yardstick to time between parity's runs (timeParity's `between`): each call times every
 * distinct statement of the warm-up run once through psql; `median()` is the median of the per-call
 * sums, or of `statements` when given (fixed SQL instead of the run's own).
 */
export function interleavedPsql(ctx: BenchContext, statements?: { sql: string; params?: unknown[] }[], sourceName = 'app') {
  const sums: number[] = [];
  return {
    between(warm: FinishedRun): void {
      const list = statements?.map((s) => ({ source: sourceName, sql: s.sql, params: s.params ?? [] })) ?? distinctStatements(warm);
      // In parity's session settings (pinnedSetup): the same SQL costs what the settings make it
      // cost (jit above all), and the yardstick is the statement, not the server's defaults.
      sums.push(list.reduce((total, s) => total + timeWithPsql(ctx.sourceUrls[s.source] ?? ctx.sourceUrls[sourceName]!, s.sql, s.params, 1, pinnedSetup())[0]!, 0));
    },
    median(): number {
      // The call after the warm-up is psql's own warm-up.
      return median(sums.slice(1));
    },
    /** Every call's sum, in order (the first is psql's warm-up). */
    sums(): number[] {
      return [...sums];
    },
  };
}

/** Samples this process's RSS while work runs. */
export async function trackingRss<T>(peak: { value: number }, work: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => { peak.value = Math.max(peak.value, process.memoryUsage().rss); }, 25);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    peak.value = Math.max(peak.value, process.memoryUsage().rss);
  }
}

export function result(operation: string, target: string, parityMs: number, baselineMs: number, limit: number, extra?: Record<string, unknown>, note?: string): OperationResult {
  const ratio = parityMs / baselineMs;
  return { operation, target, parity_ms: round(parityMs), baseline_ms: round(baselineMs), ratio: round(ratio, 3), limit, met: ratio <= limit, ...(note ? { note } : {}), ...(extra ? { extra } : {}) };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

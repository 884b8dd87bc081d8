/**
 * Runs a scenario's checks through parity's real engine — the loader's catalog, the source
 * registry, executeCheck — exactly as the service would, against the replay database.
 */
import { watchingServers } from '../runner/server-watch.js';
import type { Sample } from '../results/outcome.js';
import { createLimiter } from '../concurrency/limiter.js';
import { executeCheck } from '../runner/execute-check.js';
import { createServerInspector } from '../runner/server-evidence.js';
import { createScanExecutor, plannedScans, scansOfCheck } from '../runner/scans.js';
import { createSourceRegistry, type SourceRegistry } from '../sources/registry.js';
import { buildCatalog } from '../catalog/build-catalog.js';
import type { Catalog, LoadedSource, ParsedFile } from '../catalog/catalog.js';
import { sourceIdentity, sourceSpecSchema } from '../checkfile/sources.js';
import type { ReplayDatabase } from './database.js';
import { ScenarioError, type Scenario } from './scenario/load.js';
import { createContractWindowSnapshots } from './contract-window.js';

/** What replay keeps of one check result. */
export interface CheckOutcome {
  id: string;
  kind: string;
  status: 'pass' | 'fail' | 'error';
  summary: string;
  samples: Sample[];
}

/** Runs the scenario's checks against the replay database, sources opened once. */
export interface CheckRunner {
  /** Runs every check of the scenario but the `unused` ones, in file order: the gate's data checks. */
  runAll(): Promise<CheckOutcome[]>;
  /** The `unused` checks, which watch the contract window instead (none when the database cannot show their evidence). */
  readonly unusedCheckIds: readonly string[];
  /** Whether the `unused` checks run: the database has pg_stat_statements. */
  readonly watchesContract: boolean;
  /** Opens a new contract window: the next runUnused() records its baseline. */
  openContractWindow(): void;
  /** Runs the `unused` checks with the contract window's snapshots. */
  runUnused(): Promise<CheckOutcome[]>;
  close(): Promise<void>;
}

/** The scenario's check file with every source (declared or implied) pointed at the replay database. */
export function bindChecks(scenario: Scenario, db: ReplayDatabase): Catalog {
  const spec = sourceSpecSchema.parse({ url: db.sourceUrl });
  const resolved = sourceIdentity(db.sourceUrl, process.env);
  if ('error' in resolved) throw new Error(`replay database url: ${resolved.error}`);
  const declared = scenario.checks.sources.map((s): LoadedSource => ({ ...s, spec: { ...s.spec, url: db.sourceUrl }, identity: resolved.identity }));
  const implied: LoadedSource[] = declared.some((s) => s.name === scenario.spec.source)
    ? []
    : [{ name: scenario.spec.source, spec, at: { file: 'scenario.yaml', line: 1, column: 1 }, identity: resolved.identity }];
  const checks = scenario.checks.checks.map((check) => ({ ...check, spec: allowEmptyScope(check.spec) }));
  const file: ParsedFile = { ...scenario.checks, checks, sources: [...declared, ...implied] };
  const catalog = buildCatalog([file]);
  if (Array.isArray(catalog)) throw new ScenarioError(catalog);
  return catalog;
}

/**
 * Replay generates small and deliberately empty cases (no payments at all, nothing backfilled yet),
 * where an empty scope is the point of the case rather than a typo; the `min_rows` guard is for real
 * databases, so replay runs every check with `min_rows: 0`.
 */
function allowEmptyScope<Spec extends object>(spec: Spec): Spec {
  return 'min_rows' in spec ? { ...spec, min_rows: 0 } : spec;
}

/** Opens the sources once and reuses them for every case. */
export function createCheckRunner(scenario: Scenario, db: ReplayDatabase): CheckRunner {
  const catalog = bindChecks(scenario, db);
  const registry: SourceRegistry = createSourceRegistry(catalog.sources, { dataDir: db.dataDir });
  const limiter = createLimiter(1);
  const all = [...catalog.checks.values()];
  // `unused` judges who used the old shape over a window, so it runs in the contract window, not at the gate.
  const checks = all.filter((c) => c.spec.kind !== 'unused');
  const unusedChecks = all.filter((c) => c.spec.kind === 'unused');
  const planned = plannedScans(checks, (name) => registry.specOf(name));
  const windowSnapshots = createContractWindowSnapshots();
  return {
    unusedCheckIds: unusedChecks.map((c) => c.spec.id),
    watchesContract: db.statementStats && unusedChecks.length > 0,
    openContractWindow: () => windowSnapshots.open(),
    async runUnused() {
      const signal = new AbortController().signal;
      return Promise.all(unusedChecks.map(async (check): Promise<CheckOutcome> => {
        const result = await executeCheck(check, { sources: registry, limiters: () => limiter, signal, now: () => new Date(), snapshots: windowSnapshots });
        return { id: check.spec.id, kind: check.spec.kind, status: result.status, summary: result.summary, samples: result.samples };
      }));
    },
    async runAll() {
      // As a service run does: every read of the run on one watched registry (one server per
      // source), all checks at once, count scans over one table fused into one pass.
      const sources = watchingServers(registry);
      const scans = createScanExecutor({ sources, limiters: () => limiter, planned, fuse: true });
      const signal = new AbortController().signal;
      // One identity/preflight read per run, as a service run does.
      const inspect = createServerInspector(sources);
      return Promise.all(checks.map(async (check): Promise<CheckOutcome> => {
        const result = await executeCheck(check, { sources, limiters: () => limiter, scans, planned: scansOfCheck(planned, check.spec.id), inspect, signal, now: () => new Date() });
        return { id: check.spec.id, kind: check.spec.kind, status: result.status, summary: result.summary, samples: result.samples };
      }));
    },
    close: () => registry.closeAll(),
  };
}

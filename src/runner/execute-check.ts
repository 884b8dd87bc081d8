/**
 * Executes one check and always returns a finished result. Findings come back as pass/fail;
 * every fault (timeout, lost connection, missing table, bug) becomes `error` — never a pass.
 */
import { kindOf } from '../catalog/registry.js';
import type { Outcome } from '../results/outcome.js';
import { Fault, faultOutcome, scopeTooSmall, type FaultInfo } from '../results/fault.js';
import { formatTableRef, type TableRef } from '../sql/identifiers.js';
import type { LoadedCheck } from '../catalog/catalog.js';
import { classifyError } from '../sources/errors.js';
import { redact, redactDeep } from '../logging/secrets.js';
import type { FinishedResult } from '../store/runs.js';
import { createExecutionContext, type ContextDeps } from './context.js';
import { planScansOf } from './scans.js';
import { SCAN_FACTS, scanFactsOf, type CountScan, type ScanFacts } from '../kinds/types.js';
import { scanObservations, withScanFacts } from '../kinds/scan-facts.js';
import { keysInSql } from '../compare/key-literal.js';
import { recheckOutcome, type RecheckPlan } from './recheck.js';
import { countScopes, emptyScopesNeverFail } from '../kinds/empty-scope.js';
import { watchingServers } from './server-watch.js';
import { apartByTheirCounts, countsWillProve, provenSides, selfComparisonOf, type ProvenSides } from './self-comparison.js';
import { createServerInspector, type ServerInspector } from './server-evidence.js';
import type { ServerIdentity } from '../results/server-identity.js';
import { lagFault, mergeLags, readLags, type LagReadings } from './replica-lag-guard.js';
import { columnSql, sql, type SQL } from '../sql/build.js';
import { incrementalOutcome, planPass, planScopeFloor, type ChainLink, type IncrementalMark, type PassPlan } from './incremental.js';
import { judgeColumnMaintenance, planColumnMaintenance } from '../introspect/maintained-column.js';
import { planTableState, readTableState } from '../introspect/table-state.js';
import { planDefinitionVersion, readDefinitionVersion } from '../introspect/definition-version.js';
import { loadSqlParser } from '../sql/parser.js';
import type { RecordingContext } from './context.js';
import type { CheckKind, ExecutionContext } from '../kinds/types.js';

export type ExecuteDeps = Omit<ContextDeps, 'checkId' | 'timeoutMs'> & {
  /** The check's count scans as planned for the run's scan engine (planned here when absent). */
  planned?: readonly CountScan[] | undefined;
  /** The run's per-source server identity and preflight; a fresh one per check when absent. */
  inspect?: ServerInspector | undefined;
  /** `recheck: failing`: re-read only these keys (or the fault why there is nothing to recheck). */
  recheck?: RecheckPlan | FaultInfo | undefined;
  /** Incremental checks: this check's finished results, newest first, back to its newest full pass (none: every pass is full). */
  incrementalChain?: (() => Promise<ChainLink[]>) | undefined;
};

/** An incremental check's pass about to run: full or from a lower bound, and what it will record. */
interface IncrementalPass {
  plan: PassPlan;
  mark: IncrementalMark;
  within?: SQL | undefined;
  spec: unknown;
  /** Reads the hierarchy's catalog version again: true when DDL ran since the pass began. */
  catalogChanged(): Promise<boolean>;
  /**
   * An incremental pass with min_rows: the whole scope's rows, up to min_rows (a scalar sub-select),
   * read in the statement of the pass's own scan so that both are of one snapshot.
   */
  floor?: SQL | undefined;
  /** An incremental pass: the fault when the whole scope, as counted beside the scan (ScanFacts.countedBeside), no longer holds min_rows rows. */
  scopeFloor(facts: readonly ScanFacts[]): FaultInfo | undefined;
}

/**
 * Decides an incremental check's pass: the catalog must show the column maintained (or the check
 * trusts it), and the chain of earlier results decides full or incremental. A fault when refused.
 */
async function incrementalPass(check: LoadedCheck, kind: CheckKind, ctx: RecordingContext, deps: ExecuteDeps, servers: Record<string, ServerIdentity>): Promise<IncrementalPass | FaultInfo | undefined> {
  const target = kind.incremental?.(check.spec);
  if (!target) return undefined;
  const { column, trust_column: trusted } = target.settings;
  const catalogRow = (await ctx.query(target.source, planColumnMaintenance(target.table, column)))[0];
  // Trigger functions are read with the PL/pgSQL parser (loaded once per process).
  await loadSqlParser();
  const upkeep = judgeColumnMaintenance(catalogRow, column);
  if (upkeep.typeProblem) return { code: 'incremental_unmaintained', message: `incremental: ${upkeep.typeProblem}` };
  if (!upkeep.maintained && !trusted) {
    return {
      code: 'incremental_unmaintained',
      message: `incremental: the catalog does not show ${column} maintained on every write (${upkeep.description}); an incremental run would miss rows changed without touching it. Add a BEFORE INSERT OR UPDATE FOR EACH ROW trigger that sets ${column}, or say incremental: { trust_column: true } to assume it`,
    };
  }
  // Without a store there is no chain to extend: every pass is full.
  const chain = deps.incrementalChain ? await deps.incrementalChain() : [];
  const plan = planPass(target.settings, check.hash, chain, upkeep.serverNow, servers, upkeep.tableState);
  const lowerBound = plan.mode === 'incremental' ? plan.lowerBound.toISOString() : null;
  const mark: IncrementalMark = {
    mode: plan.mode, column, watermark: (upkeep.watermark ?? upkeep.serverNow).toISOString(), lower_bound: lowerBound, table_state: upkeep.tableState,
    ...(upkeep.unknownBecause !== undefined ? { watermark_unknown: upkeep.unknownBecause } : {}),
    ...(upkeep.assumption !== undefined ? { watermark_assumption: upkeep.assumption } : {}),
    ...(plan.mode === 'full' ? { full_reason: plan.reason } : {}),
    maintained_by: upkeep.maintained ? upkeep.description : `not shown by the catalog: ${upkeep.description}`, trusted_column: !upkeep.maintained,
  };
  const within = lowerBound === null ? undefined : sql`${columnSql(column)} >= ${lowerBound}::timestamptz`;
  const catalogChanged = async () => readTableState((await ctx.query(target.source, planTableState(target.table)))[0]?.table_state) !== upkeep.tableState;
  const { where, minRows } = target.scope;
  // Counted in the pass's own statement: asked after it, in another, a table emptied before the pass
  // and refilled after it was counted full while the pass read none of its rows.
  const floor = within === undefined || minRows === 0 ? undefined : planScopeFloor(target.table, where, minRows);
  const scopeFloor = (facts: readonly ScanFacts[]): FaultInfo | undefined => {
    if (floor === undefined) return undefined;
    const rows = facts.find((f) => f.countedBeside !== undefined)?.countedBeside;
    if (rows === undefined) return { code: 'missing_count', message: 'incremental: the whole scope\'s rows (min_rows) were not counted in the statement of the pass\'s own scan' };
    return scopeTooSmall(rows, minRows, `rows in ${formatTableRef(target.table)}${where === undefined ? '' : ` where ${where}`} (the whole scope, counted with an incremental pass)`);
  };
  return { plan, mark, within, spec: within ? target.changedRows : check.spec, catalogChanged, floor, scopeFloor };
}

/**
 * The recorded servers with each one's `target` as inspected: a digest (never a secret), which
 * redaction could otherwise cut where a short secret happens to appear in its hex.
 */
function withTargets(redacted: Record<string, ServerIdentity>, inspected: Record<string, ServerIdentity>): Record<string, ServerIdentity> {
  for (const [name, server] of Object.entries(inspected)) {
    const recorded = redacted[name];
    if (recorded && server.target !== undefined) recorded.target = server.target;
  }
  return redacted;
}

/** Runs the check's kind through a fresh context; never throws. */
export async function executeCheck(check: LoadedCheck, given: ExecuteDeps): Promise<FinishedResult> {
  const started = performance.now();
  // Every read of a source must reach one server: the run's watch, or this check's own when it runs alone.
  const deps: ExecuteDeps = { ...given, sources: watchingServers(given.sources) };
  const ctx = createExecutionContext({ ...deps, checkId: check.spec.id, timeoutMs: check.spec.timeout });
  const inspect = deps.inspect ?? createServerInspector(deps.sources);
  const servers: Record<string, ServerIdentity> = {};
  let lags: LagReadings = {};
  let evidence: Promise<LagReadings> = Promise.resolve({});
  let outcome: Outcome;
  let facts: ScanFacts[] = [];
  try {
    const kind = kindOf(check.spec.kind);
    if (!kind) throw new Error(`unknown kind ${check.spec.kind}`);
    // Who each source really is, before any data is read: recorded for the audit trail, and the
    // least-privilege preflight that `require_least_privilege` turns into "could not verify".
    const names = new Set(kind.sourcesOf(check.spec));
    for (const name of names) servers[name] = await inspect(name);
    const strict = Object.entries(servers).filter(([name, s]) => s.privilege_warnings.length > 0 && deps.sources.specOf(name)?.require_least_privilege);
    // Replay lag before reading: a standby already behind its max_replica_lag is not read at all.
    // Where no limit is set the reading is evidence only: taken once, while the check reads.
    const limited = [...names].filter((name) => deps.sources.specOf(name)?.max_replica_lag !== undefined);
    evidence = readLags([...names].filter((name) => !limited.includes(name)), deps.sources, deps.signal);
    lags = await readLags(limited, deps.sources, deps.signal);
    const lagBefore = lagFault(lags);
    // Planned once: the engine fused these very objects with other checks' scans.
    const planned = deps.planned ?? planScansOf(check);
    // Sides that read the same SQL may still reach the same rows on the server: asked before any
    // row is read, and again after a pass (a name re-pointed in between). Where each side's table
    // is counted in one statement, that statement proves under its lock which relation it read:
    // no probe before, and none after if the counts were the whole reading and found two tables.
    const selfComparison = strict.length > 0 || lagBefore ? undefined : await selfComparisonOf(kind, check.spec, ctx, deps.sources);
    const countsProve = selfComparison !== undefined && countsWillProve(selfComparison, planned, (name) => deps.sources.specOf(name)?.scan.mode === 'chunked');
    const sameRowsBefore = countsProve ? undefined : await selfComparison?.probe();
    let provenApart = false;
    let countsWereTheReading = false;
    // What the counts proved each side read: asked about after reading, never the names again.
    let proven: ProvenSides = {};
    if (strict.length > 0) {
      outcome = faultOutcome({ code: 'not_least_privilege', message: `require_least_privilege: ${strict.map(([name, s]) => `source "${name}": ${s.privilege_warnings.join('; ')}`).join('; ')}` });
    } else if (lagBefore) {
      outcome = faultOutcome(lagBefore);
    } else if (sameRowsBefore) {
      outcome = faultOutcome(sameRowsBefore);
    } else {
      const recheck = deps.recheck;
      if (recheck && 'code' in recheck) {
        outcome = faultOutcome(recheck);
      } else if (recheck && (kind.recheck !== 'sampled_keys' || planned.length === 0 || new Set(planned.map((s) => JSON.stringify([s.source, s.table]))).size !== 1)) {
        outcome = faultOutcome({ code: 'recheck_unsupported', message: `recheck: failing re-reads sampled keys of one table; ${check.spec.kind} checks${planned.length === 0 ? ' in this form' : ''} cannot be narrowed to them — run the check in full` });
      } else {
        const incremental = recheck ? undefined : await incrementalPass(check, kind, ctx, deps, servers);
        if (incremental && 'code' in incremental) {
          outcome = faultOutcome(incremental);
        } else {
          // A recheck reads only the sampled keys, an incremental pass only the rows changed since its
          // lower bound: each alone (its narrowed scan is not the object fusion planned), never stopped early.
          const within = recheck ? keysInSql(recheck.keyColumns, recheck.keys) : incremental?.within;
          // Sampled keys or changed rows only, selected in the WHERE clause (the primary key or the
          // column's index serves it): the rest of the table is not read.
          const scans = within ? planned.map((scan): CountScan => ({ ...scan, stopWhen: undefined, where: within })) : planned;
          // What the pass will be judged by after reading (a value's plan) is versioned before the first read.
          const judged = kind.definitionsJudged?.(check.spec) ?? [];
          const versionsBefore = await readDefinitionVersions(ctx, judged);
          // An incremental pass's scope floor is read beside its one scan (incrementalPass).
          const beside = incremental?.floor !== undefined && scans.length === 1 ? incremental.floor : undefined;
          const counts = kind.comparesCounts ? await ctx.countPlannedTogether(scans) : await Promise.all(scans.map((scan) => ctx.countPlanned(scan, beside)));
          if (within) for (const c of counts) c[SCAN_FACTS] = { ...c[SCAN_FACTS], within: c[SCAN_FACTS]?.within ? sql`${c[SCAN_FACTS].within} and ${within}` : within };
          facts = counts.map(scanFactsOf);
          const readsBefore = ctx.readsBesideCounts();
          const sides = selfComparison ? provenSides(selfComparison, scans, facts) : {};
          provenApart = countsProve && apartByTheirCounts(sides);
          if ('fault' in sides) throw new Fault(sides.fault);
          proven = sides;
          outcome = withScanFacts(await kind.execute((incremental?.spec ?? check.spec) as typeof check.spec, ctx, counts), facts);
          if (outcome.status === 'pass' && judged.length > 0) {
            const changed = definitionsChanged(judged, versionsBefore, await readDefinitionVersions(ctx, judged));
            if (changed) outcome = faultOutcome(changed, outcome.observations);
          }
          // A pass over an empty scope: could any row ever have been in it? (A narrowed pass's
          // scope is the changed rows or the rechecked keys: empty by the data, not by its filter.)
          const vacuous = outcome.status === 'pass' && !within && kind.scopeIsCompared ? await emptyScopesNeverFail(countScopes(scans, counts), ctx) : undefined;
          if (vacuous) outcome = faultOutcome(vacuous, outcome.observations);
          if (recheck) outcome = recheckOutcome(outcome, recheck);
          // Read after the counts: DDL between the pass's first reading and its last leaves rows it
          // may have read under the old catalog and skipped under the new (an attach mid-pass).
          if (incremental) outcome = incrementalOutcome(outcome, incremental.plan, incremental.mark, facts.some((f) => f.resumed !== undefined), await incremental.catalogChanged());
          // A full pass judged min_rows itself; a pass over changed rows judges the whole scope here, as counted with it.
          const tooSmall = incremental && outcome.status !== 'error' ? incremental.scopeFloor(facts) : undefined;
          if (tooSmall) outcome = faultOutcome(tooSmall, outcome.observations);
          countsWereTheReading = ctx.readsBesideCounts() === readsBefore;
        }
      }
      // A probe not asked before reading (the counts were to prove it) is asked now whatever the
      // outcome, unless they did; a pass is asked again, unless the proven counts were all it read.
      const askAfter = countsProve && !provenApart ? true : outcome.status === 'pass' && !(provenApart && countsWereTheReading);
      // A side's counts proved which relation they read: asked about by oid (its name may reach
      // another by now); a kind that read beside its counts found the tables by name again, so the
      // names are asked too.
      const provedAny = proven.old !== undefined || proven.new !== undefined;
      let sameRowsAfter = selfComparison && askAfter ? await selfComparison.probe(proven) : undefined;
      if (!sameRowsAfter && selfComparison && askAfter && provedAny && outcome.status === 'pass' && !countsWereTheReading) sameRowsAfter = await selfComparison.probe();
      if (sameRowsAfter) outcome = faultOutcome(sameRowsAfter, outcome.observations);
      // And after: a standby that fell behind mid-read served data of unknown age; the finding is void.
      if (!deps.signal.aborted && limited.length > 0) {
        lags = mergeLags(mergeLags(lags, ctx.lagsAfterStatements()), await readLags(limited, deps.sources, deps.signal));
        const lagAfter = lagFault(lags);
        if (lagAfter) outcome = faultOutcome(lagAfter, outcome.observations);
      }
    }
    if (deps.signal.aborted) outcome = faultOutcome({ code: 'cancelled', message: 'cancelled before the check finished' });
  } catch (error) {
    outcome = faultOutcome(faultOf(error, deps.signal.aborted));
  }
  // readLags never rejects for sources without a limit (a failed probe is left out). The readings
  // after each statement count too (a check that ended on a fault skipped the merge above), and so
  // does the lag resumed progress was read under by earlier runs: the worst of them is recorded.
  lags = mergeLags(mergeLags(lags, ctx.lagsAfterStatements()), await evidence);
  for (const [name, lag] of Object.entries(lags)) if (servers[name]) servers[name] = { ...servers[name], replica_lag: lag };
  const warnings = Object.entries(servers).flatMap(([name, s]) => s.privilege_warnings.map((w) => `source "${name}": ${w}`));
  // Everything stored is redacted once here: a secret (a URL credential, a header value) may sit
  // in any part of an outcome, including a fault a kind returned rather than threw and its samples.
  return {
    status: outcome.status,
    summary: redact(outcome.summary),
    observations: redactDeep({ ...outcome.observations, ...scanObservations(facts), privilege_warnings: warnings }) as Record<string, unknown>,
    servers: withTargets(redactDeep(servers) as Record<string, ServerIdentity>, servers),
    statements: redactDeep(ctx.statements),
    error: outcome.error ? redactDeep(outcome.error) : null,
    samples: redactDeep(outcome.samples),
    finishedAt: deps.now(),
    durationMs: Math.round(performance.now() - started),
  };
}

/** The fault behind an exception: a Fault's own, a cancellation, a driver error's class, or a bug. */
export function faultOf(error: unknown, aborted: boolean): FaultInfo {
  if (error instanceof Fault) return { ...error.fault, message: redact(error.fault.message) };
  if (aborted || (error as Error)?.name === 'AbortError') return { code: 'cancelled', message: 'cancelled before the check finished' };
  if ((error as { code?: unknown })?.code !== undefined) return classifyError(error);
  return { code: 'internal', message: redact(error instanceof Error ? error.message : String(error)) };
}

/** Each relation's definition version (introspect/definition-version.ts), in order. */
async function readDefinitionVersions(ctx: ExecutionContext, relations: readonly { source: string; table: TableRef }[]): Promise<string[]> {
  return Promise.all(relations.map(async (r) => readDefinitionVersion((await ctx.query(r.source, planDefinitionVersion(r.table)))[0])));
}

/**
 * The fault when a relation a pass is judged by was redefined between the first read and the
 * judgement (a view's rule, a column, a default or generation expression, a relation it reads):
 * the plan then told of something the scan never compared.
 */
function definitionsChanged(relations: readonly { source: string; table: TableRef }[], before: readonly string[], after: readonly string[]): FaultInfo | undefined {
  const changed = relations.filter((_, i) => before[i] !== after[i]);
  if (changed.length === 0) return undefined;
  const named = changed.map((r) => `${formatTableRef(r.table)} on source "${r.source}"`).join(', ');
  return { code: 'table_replaced', message: `${named} was redefined while the check read it (a view, a column or what they read changed between the first read and the judgement of what was compared): what was compared cannot be told; run the check again` };
}

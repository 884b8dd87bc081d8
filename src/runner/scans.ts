/**
 * Answers count scans for one run. Scans the checks declared up front (CheckKind.countScans) that
 * read the same table of the same source are fused into one statement — k checks cost about one
 * pass — and split back per check. Sources configured with `scan.mode: chunked` are read in
 * keyset chunks. If a fused statement fails because one check's SQL is broken, each scan is
 * retried alone so only the broken check reports an error. Only checks with the same timeout are
 * fused (a check's deadline is never another's), and a fused statement is cancelled only when every
 * check waiting on it has been: one cancelled check stops waiting, the others keep their answer.
 */
import { createHash } from 'node:crypto';
import { compile, joinSql, type SQL } from '../sql/build.js';
import { kindOf } from '../catalog/registry.js';
import { SCAN_FACTS, type CountResult, type CountScan, type ScanCheckpoint, type StopRule } from '../kinds/types.js';
import type { LoadedCheck } from '../catalog/catalog.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { SourceSpec } from '../checkfile/sources.js';
import { SourceQueryError } from '../sources/errors.js';
import type { StatementRecord } from '../store/schema.js';
import { runChunkedScan } from './chunked-scan.js';
import { oneConnectionServes } from './one-snapshot.js';
import { planLockedRelation, readProvenRelation, type ProvenRelation } from '../introspect/table-identity.js';
import { Fault } from '../results/fault.js';
import { lagRecordSchema, replicaLagFault, type LagRecord, type ReplicaLag } from '../results/replica-lag.js';
import { replicaLagIn } from '../sources/replica-lag.js';
import { BESIDE_ALIAS, SCANNED_ALIAS, countColumns, planCountScan, planCountsTogether, readCounts, readCountsTogether } from './count-scan.js';
import type { Limiter } from '../concurrency/limiter.js';
import type { Store } from '../store/store.js';

/**
 * work_mem of a narrowed scan (an incremental pass, a recheck). The rows it selects are scattered
 * over the table, and the server reads them through a bitmap of their pages: at the default 4MB a
 * bitmap of more than ~100k pages goes lossy, and every row of a lossy page is read and tested
 * again (260k changed rows of 260M: 21M rows rechecked, 3.3–4.6 s; exact at 64MB: 1.2–1.6 s). One
 * statement holds one bitmap, so this bounds what the check can take on the verified server.
 */
export const NARROWED_SCAN_WORK_MEM_KB = 64 * 1024;

/**
 * effective_io_concurrency of a narrowed scan: the bitmap heap scan asks the kernel for this many
 * of its scattered pages ahead. Measured at 260M rows with the OS cache dropped: 8.0–9.3 s at the
 * default 1, 3.0–3.3 s at 64, no better at 256 or 1000 (the disk's throughput by then).
 */
export const NARROWED_SCAN_IO_CONCURRENCY = 64;

type ProgressUpdate = { rowsScanned: number; rowsEstimated?: number };

export interface ScanRequestContext {
  checkId: string;
  timeoutMs?: number | undefined;
  signal: AbortSignal;
  onProgress?: ((update: ProgressUpdate) => void) | undefined;
  /** Receives each statement as it starts (shared objects: durations fill in when they finish). */
  onStatement(record: StatementRecord): void;
  /**
   * A one-value count (a scalar sub-select) read in the scan's own statement, into
   * ScanFacts.countedBeside: the scan then runs alone, in one statement (never fused or chunked).
   */
  beside?: SQL | undefined;
}

export interface ScanExecutor {
  count(scan: CountScan, request: ScanRequestContext): Promise<CountResult>;
  /**
   * Counts whose verdict compares them with each other (CheckKind.comparesCounts): on one source,
   * unchunked, in one statement and so one snapshot; otherwise each as `count` would.
   */
  countTogether(scans: readonly CountScan[], request: ScanRequestContext): Promise<CountResult[]>;
  /**
   * The checkpoint of a check's own resumable work (table_diff's segments), keyed by `identity`,
   * the check and its definition hash; none without a store, or with maxAgeMs 0 (never resume).
   * `readBy`: the sources its progress reads, each of which its lag record must cover.
   */
  checkpoint(checkId: string, identity: unknown, maxAgeMs: number, readBy: readonly string[]): ScanCheckpoint | undefined;
}

function tableKey(scan: CountScan): string {
  return JSON.stringify([scan.source, scan.table.schema ?? null, scan.table.name]);
}

/** Equal predicates share one column of the fused statement (deduplication only, never membership). */
function predicateKey(predicate: SQL | true): string {
  if (predicate === true) return 'true';
  const { text, params } = compile(predicate);
  return JSON.stringify([text, params]);
}

interface FusedGroup {
  /** The fused scan with deduplicated predicates as c0, c1, … */
  fused: CountScan;
  /** The members' shared check-level timeout (undefined: the source's statement_timeout). */
  timeoutMs: number | undefined;
  /** Stops early only when every member may: one member's full count is never cut short by another's rule. */
  stop: StopRule[];
  /** Aborted when the last check waiting on the fused statement is cancelled. */
  controller: AbortController;
  waiting: number;
  /** For each member scan (the planned object itself): its count name → fused alias. */
  aliases: Map<CountScan, Record<string, string>>;
  checkIds: string[];
  result?: Promise<Record<string, number>>;
  records: StatementRecord[];
  listeners: Set<{ progress: (u: ProgressUpdate) => void; statement: (r: StatementRecord) => void }>;
}

/** A count scan a check declares up front, with the check's own timeout. */
export interface PlannedScan {
  checkId: string;
  scan: CountScan;
  timeoutMs?: number | undefined;
  /**
   * Read by a statement of its own, never one shared with other checks: an incremental check's
   * pass must read after its watermark, and a fused statement may have been started by another
   * check before it was taken (a write committed in between would be neither counted nor re-read);
   * counts compared with each other on one source are read together, in one snapshot.
   */
  alone?: boolean | undefined;
}

/**
 * The count scans a run's checks declare, planned once: the runner hands these very objects to the
 * checks' evaluation, so fusion finds its members by identity — never by re-planning and matching
 * SQL text, which silently lost fusion on any small difference.
 */
export function plannedScans(checks: readonly LoadedCheck[], specOf: SpecOf): PlannedScan[] {
  return checks.flatMap((check) => {
    const kind = kindOf(check.spec.kind);
    const scans = planScansOf(check);
    const incremental = kind?.incremental?.(check.spec) !== undefined;
    // Counts compared with each other and read in one statement (countTogether) are never read in another check's.
    const together = kind?.comparesCounts === true && readInOneStatement(scans, specOf);
    return scans.map((scan) => ({ checkId: check.spec.id, scan, timeoutMs: check.spec.timeout, ...(incremental || together ? { alone: true } : {}) }));
  });
}

/** A source's spec by name, from the registry the run reads through. */
export type SpecOf = (source: string) => SourceSpec | undefined;

/**
 * Whether counts compared with each other are read by ONE statement, in one snapshot: on one
 * source (or sources configured alike, one connection serving both), unnarrowed, not read chunk
 * by chunk. The planner (which keeps such scans out of fusion) and countTogether (which reads them)
 * ask this one question, so a scan is never both fused and read together.
 */
export function readInOneStatement(scans: readonly CountScan[], specOf: SpecOf): boolean {
  const spec = scans[0] === undefined ? undefined : specOf(scans[0].source);
  return scans.length > 1 && spec?.scan.mode !== 'chunked' && scans.every((scan) => scan.where === undefined)
    && oneConnectionServes({ specOf }, scans.map((scan) => scan.source));
}

/** The planned scans of one check, in its kind's order (the objects fusion knows). */
export function scansOfCheck(planned: readonly PlannedScan[], checkId: string): CountScan[] {
  return planned.filter((p) => p.checkId === checkId).map((p) => p.scan);
}

/** One check's count scans (none for kinds that declare none). */
export function planScansOf(check: LoadedCheck): CountScan[] {
  return kindOf(check.spec.kind)?.countScans?.(check.spec) ?? [];
}

/** Groups planned scans by (source, table, timeout); only groups of two or more scans are fused. */
export function planFusion(planned: PlannedScan[]): Map<CountScan, FusedGroup> {
  const byTable = new Map<string, PlannedScan[]>();
  for (const entry of planned) {
    // A narrowed scan reads other rows than its table's full scans: never fused with them.
    if (entry.scan.where !== undefined || entry.alone) continue;
    const key = JSON.stringify([tableKey(entry.scan), entry.timeoutMs ?? null]);
    const list = byTable.get(key) ?? [];
    list.push(entry);
    byTable.set(key, list);
  }
  const groups = new Map<CountScan, FusedGroup>();
  for (const members of byTable.values()) {
    if (members.length < 2) continue;
    const timeoutMs = members[0]!.timeoutMs;
    const aliasOfPredicate = new Map<string, string>();
    const counts: CountScan['counts'] = {};
    const group: FusedGroup = {
      fused: { source: members[0]!.scan.source, table: members[0]!.scan.table, counts },
      timeoutMs,
      stop: [],
      controller: new AbortController(),
      waiting: 0,
      aliases: new Map(),
      checkIds: [...new Set(members.map((m) => m.checkId))].sort(),
      records: [],
      listeners: new Set(),
    };
    for (const { scan } of members) {
      const mapping: Record<string, string> = {};
      for (const [name, predicate] of Object.entries(scan.counts)) {
        const key = predicateKey(predicate);
        let alias = aliasOfPredicate.get(key);
        if (!alias) {
          alias = `c${aliasOfPredicate.size}`;
          aliasOfPredicate.set(key, alias);
          counts[alias] = predicate;
        }
        mapping[name] = alias;
      }
      group.aliases.set(scan, mapping);
      groups.set(scan, group);
    }
    const rules = members.map(({ scan }) => scan.stopWhen && { count: group.aliases.get(scan)![scan.stopWhen.count]!, atLeast: scan.stopWhen.atLeast });
    if (rules.every((rule) => rule !== undefined && rule.count !== undefined)) group.stop = rules as StopRule[];
  }
  return groups;
}

export interface ScanExecutorDeps {
  sources: SourceRegistry;
  limiters: (source: string) => Limiter;
  /** Scans declared by the run's checks, for fusion. */
  planned?: PlannedScan[];
  /** Turn fusion off (benchmarks compare fused and unfused). */
  fuse?: boolean;
  /** Where chunked scans record their progress so an interrupted run resumes; none: they start over. */
  checkpoints?: ScanCheckpoints | undefined;
}

/** The state store's checkpoints, bound to one run. */
export interface ScanCheckpoints {
  store: Pick<Store, 'claimCheckpoint' | 'saveCheckpoint' | 'clearCheckpoint'>;
  runId: string;
  /** Each check's definition hash: progress recorded under another definition is never resumed. */
  definitionHash(checkId: string): string | undefined;
  /**
   * Which servers these sources are in this run (see keyedByServers): progress recorded on
   * another server is never resumed. Absent: keys name no server (tests without a runner).
   */
  servers?(sources: readonly string[]): Promise<unknown>;
  /** The sources a check reads (for checkpoints a kind keys by check, such as table_diff's segments). */
  sourcesOf?(checkId: string): readonly string[];
}

/**
 * What a scan's checkpoint is keyed by: the source, the table, every count predicate (compiled),
 * and each check it answers with its definition hash — so a changed definition, or a scan fused
 * with other checks than before, starts over instead of resuming progress of a different question.
 */
export function scanKeyOf(scan: CountScan, checks: readonly { id: string; hash: string }[]): string {
  const { text, params } = compile(joinSql(countColumns(scan)));
  const identity = [scan.source, scan.table.schema ?? null, scan.table.name, text, params, [...checks].sort((a, b) => a.id.localeCompare(b.id)).map((c) => [c.id, c.hash])];
  return createHash('sha256').update(JSON.stringify(identity, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).digest('hex');
}

interface ScanHooks {
  timeoutMs: number | undefined;
  signal: AbortSignal;
  progress(u: ProgressUpdate): void;
  statement(r: StatementRecord): void;
  /** The checks this scan answers (for its checkpoint). */
  checkIds: readonly string[];
  stop: readonly StopRule[];
  /** ScanRequestContext.beside. */
  beside?: SQL | undefined;
}

/**
 * The checkpoint row `scanKey` as seen by this run, keyed also by the servers `sources` are now: the
 * same URL (and definition) can reach another database between two runs (DNS, a pooler, a database
 * renamed over the name), and counts read there must not be added to this one's. A failover to a
 * promoted standby changes the address, so such a scan starts over: slower, never wrong.
 */
function checkpointAt(cp: ScanCheckpoints, scanKey: string, checkIds: readonly string[], maxAgeMs: number, sources: readonly string[], readBy: ResumeLagRule): ScanCheckpoint {
  let keyed: Promise<string> | undefined;
  const key = () => (keyed ??= keyedByServers(cp, scanKey, sources));
  const claim = async () => cp.store.claimCheckpoint({ scanKey: await key(), runId: cp.runId, checkIds: [...checkIds], maxAgeMs });
  return {
    claim: async () => {
      const progress = await claim();
      if (!progress) return undefined;
      const readUnder = resumableLag(progress.readUnder, readBy);
      // Claimed again, the row is this run's own, so the store starts it over (a new start time and
      // no counts): nothing read under a lag this run cannot date is ever carried forward.
      if (!readUnder) return void (await claim());
      return { ...progress, readUnder };
    },
    save: async (progress) => cp.store.saveCheckpoint(await key(), cp.runId, progress),
    clear: async () => cp.store.clearCheckpoint(await key(), cp.runId),
  };
}

/** Which sources a checkpoint's progress reads, and each one's max_replica_lag now. */
interface ResumeLagRule { sources: readonly string[]; limitOf(source: string): number | undefined }

/**
 * The lag record of claimed progress, when it may be resumed: one reading for every source it
 * read, each known and within the source's max_replica_lag now (set to it, so the result judges it
 * so). Anything else — no record (older code wrote it, or some chunk's lag was never read), a
 * standby that could not say, a lag above the limit — starts over: slower, never dated wrong.
 */
export function resumableLag(recorded: unknown, rule: ResumeLagRule): LagRecord | undefined {
  const parsed = lagRecordSchema.safeParse(recorded);
  if (!parsed.success || rule.sources.length === 0) return undefined;
  const out: LagRecord = {};
  for (const source of rule.sources) {
    const lag = parsed.data[source];
    if (!lag || lag.lag_ms === null) return undefined;
    const judged = { ...lag, max_replica_lag_ms: rule.limitOf(source) ?? null };
    if (replicaLagFault(source, judged)) return undefined;
    out[source] = judged;
  }
  return out;
}

async function keyedByServers(cp: ScanCheckpoints, scanKey: string, sources: readonly string[]): Promise<string> {
  if (!cp.servers) return scanKey;
  const servers = await cp.servers([...new Set(sources)].sort());
  return createHash('sha256').update(JSON.stringify([scanKey, servers])).digest('hex');
}

/** Creates the executor for one run. */
export function createScanExecutor(deps: ScanExecutorDeps): ScanExecutor {
  // A source with max_replica_lag is never fused: each check's lag readings must bracket the very
  // statement that read its data, and a fused statement runs inside the first member's bracket only —
  // a standby that lagged during it and caught up before a later member's probes would pass that member.
  const fusable = (deps.planned ?? []).filter((p) => deps.sources.specOf(p.scan.source)?.max_replica_lag === undefined);
  const groups = deps.fuse === false ? new Map<CountScan, FusedGroup>() : planFusion(fusable);

  const lagRule = (sources: readonly string[]): ResumeLagRule => ({ sources: [...new Set(sources)], limitOf: (name) => deps.sources.specOf(name)?.max_replica_lag });

  /** The scan's checkpoint in the store, or none (no store, or a check without a definition hash). */
  function checkpointOf(scan: CountScan, checkIds: readonly string[], maxAgeMs: number): ScanCheckpoint | undefined {
    const cp = deps.checkpoints;
    if (!cp) return undefined;
    const checks = checkIds.map((id) => ({ id, hash: cp.definitionHash(id) }));
    if (checks.some((c) => c.hash === undefined)) return undefined;
    return checkpointAt(cp, scanKeyOf(scan, checks as { id: string; hash: string }[]), checkIds, maxAgeMs, [scan.source], lagRule([scan.source]));
  }

  async function scanOnce(scan: CountScan, hooks: ScanHooks): Promise<CountResult> {
    const source = await deps.sources.get(scan.source);
    const spec = deps.sources.specOf(scan.source);
    const statementTimeoutMs = hooks.timeoutMs ?? spec?.statement_timeout ?? 30_000;
    const limiter = deps.limiters(scan.source);
    // A narrowed scan (an incremental pass) reads what its predicate selects through an index, in one statement.
    if (spec?.scan.mode === 'chunked' && scan.where === undefined && hooks.beside === undefined) {
      return runChunkedScan(scan, {
        source, settings: spec.scan, statementTimeoutMs, signal: hooks.signal,
        withSlot: (work) => limiter.run(work),
        onChunk: (p) => hooks.progress({ rowsScanned: p.rowsScanned, rowsEstimated: p.rowsEstimated }),
        onStatement: hooks.statement,
        stop: hooks.stop,
        checkpoint: checkpointOf(scan, hooks.checkIds, spec.scan.resume_max_age),
        maxReplicaLag: spec.max_replica_lag === undefined ? undefined : { source: scan.source, ms: spec.max_replica_lag },
      });
    }
    return (await countInOneStatement([scan], hooks))[0]!;
  }

  /**
   * Counts scans of one source in one statement (one snapshot): a single scan as planCountScan, more
   * as planCountsTogether. Each table's relation is proven under its lock in the same transaction.
   */
  async function countInOneStatement(scans: readonly CountScan[], hooks: ScanHooks): Promise<CountResult[]> {
    const sourceName = scans[0]!.source;
    const source = await deps.sources.get(sourceName);
    const spec = deps.sources.specOf(sourceName);
    const statementTimeoutMs = hooks.timeoutMs ?? spec?.statement_timeout ?? 30_000;
    const narrowed = scans.some((scan) => scan.where !== undefined);
    const beside = scans.length === 1 ? hooks.beside : undefined;
    if (hooks.beside !== undefined && beside === undefined) throw new Error('a count beside is read with one scan only');
    const compiled = compile(scans.length > 1 ? planCountsTogether(scans) : planCountScan(scans[0]!, beside));
    const record: StatementRecord = { source: sourceName, sql: compiled.text, params: compiled.params, duration_ms: 0 };
    hooks.statement(record);
    const started = performance.now();
    try {
      const limit = spec?.max_replica_lag;
      let lag: ReplicaLag | undefined;
      let relations: (ProvenRelation | undefined)[] = [];
      const rows = await deps.limiters(sourceName).run(() => source.readOnly(async (session) => {
        // First in the count's transaction and sent with it (no round trip of its own): the lock it
        // takes holds until COMMIT, so the relation it names is the one the count reads. The read's
        // own proof of what it read, which spares a check the probes of its sides (self-comparison.ts).
        const proving = scans.map((scan) => session.query(compile(planLockedRelation(scan.table, 'beyond tables'))).then((found) => ({ found }), (error: unknown) => ({ error })));
        let answer: Awaited<ReturnType<typeof session.query>>;
        try {
          answer = await session.query(compiled);
        } catch (error) {
          // Failed behind a failed proof (an aborted transaction): the proof's error is the cause.
          for (const proof of await Promise.all(proving)) if ('error' in proof) throw proof.error;
          throw error;
        }
        const proofs = await Promise.all(proving);
        for (const proof of proofs) if ('error' in proof) throw proof.error;
        relations = proofs.map((proof) => ('found' in proof ? readProvenRelation(proof.found[0]) : undefined));
        // On the count's own connection: another connection of the source may reach another standby.
        if (limit !== undefined) lag = await replicaLagIn(session, limit);
        return answer;
      }, {
        statementTimeoutMs, signal: hooks.signal, maxParallelWorkers: spec?.scan.max_parallel_workers,
        ...(narrowed ? { workMemKb: NARROWED_SCAN_WORK_MEM_KB, ioConcurrency: NARROWED_SCAN_IO_CONCURRENCY } : {}),
      }));
      record.rows = rows.length;
      const lagged = lag && replicaLagFault(sourceName, lag);
      if (lagged) throw new Fault({ ...lagged, message: `${lagged.message}, after the count statement` });
      const results = scans.map((scan, index): CountResult => {
        const names = Object.keys(scan.counts);
        const counts: CountResult = scans.length === 1 ? readCounts(rows[0], names) : readCountsTogether(rows[0], index, names);
        const relation = relations[index];
        const besideCount = beside === undefined ? undefined : Number(rows[0]?.[BESIDE_ALIAS]);
        if (besideCount !== undefined && !Number.isFinite(besideCount)) throw new Error('count scan returned no number for the count beside it');
        if (relation || besideCount !== undefined) counts[SCAN_FACTS] = { ...(relation ? { relation } : {}), ...(besideCount !== undefined ? { countedBeside: besideCount } : {}) };
        return counts;
      });
      hooks.progress({ rowsScanned: results.reduce((sum, counts) => sum + counts[SCANNED_ALIAS]!, 0) });
      return results;
    } finally {
      record.duration_ms = Math.round((performance.now() - started) * 100) / 100;
    }
  }

  function startGroup(group: FusedGroup): Promise<CountResult> {
    return scanOnce(group.fused, {
      timeoutMs: group.timeoutMs,
      checkIds: group.checkIds,
      stop: group.stop,
      signal: group.controller.signal,
      progress: (u) => group.listeners.forEach((l) => l.progress(u)),
      statement: (record) => {
        record.fused_checks = group.checkIds;
        group.records.push(record);
        group.listeners.forEach((l) => l.statement(record));
      },
    });
  }

  /** The group's answer for one member, or its own cancellation, whichever comes first. */
  function awaitGroup(group: FusedGroup, signal: AbortSignal): Promise<CountResult> {
    signal.throwIfAborted();
    if (group.controller.signal.aborted) {
      // Everyone who waited before was cancelled; a check arriving now gets a fresh statement.
      group.controller = new AbortController();
      group.result = undefined;
    }
    group.waiting++;
    group.result ??= startGroup(group);
    return new Promise((resolve, reject) => {
      // Once per member: a member that left on cancellation must not leave again when the result settles.
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        signal.removeEventListener('abort', onAbort);
        group.waiting--;
      };
      const onAbort = () => {
        leave();
        // The last one waiting takes the statement down with it; otherwise it runs on for the rest.
        if (group.waiting === 0) group.controller.abort(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      group.result!.then((counts) => { leave(); resolve(counts); }, (error: unknown) => { leave(); reject(error); });
    });
  }

  const executor: ScanExecutor = {
    async countTogether(scans, request) {
      // One snapshot needs one statement.
      if (!readInOneStatement(scans, (name) => deps.sources.specOf(name))) return Promise.all(scans.map((scan) => executor.count(scan, request)));
      request.signal.throwIfAborted();
      return countInOneStatement(scans, {
        timeoutMs: request.timeoutMs, signal: request.signal, progress: request.onProgress ?? (() => {}), statement: request.onStatement,
        checkIds: [request.checkId], stop: [],
      });
    },
    checkpoint(checkId, identity, maxAgeMs, readBy) {
      const cp = deps.checkpoints;
      const hash = cp?.definitionHash(checkId);
      if (!cp || hash === undefined || maxAgeMs <= 0) return undefined;
      const key = createHash('sha256').update(JSON.stringify(['check', checkId, hash, identity])).digest('hex');
      return checkpointAt(cp, key, [checkId], maxAgeMs, cp.sourcesOf?.(checkId) ?? [], lagRule(readBy));
    },
    async count(scan, request) {
      const progress = request.onProgress ?? (() => {});
      const group = groups.get(scan);
      const alone = () => scanOnce(scan, {
        timeoutMs: request.timeoutMs, signal: request.signal, progress, statement: request.onStatement,
        checkIds: [request.checkId], stop: scan.stopWhen ? [scan.stopWhen] : [], beside: request.beside,
      });
      // A scan that was not planned, asked for under another timeout, or read with a count beside it, runs alone.
      if (!group || group.timeoutMs !== request.timeoutMs || request.beside !== undefined) return alone();
      let reported = false;
      const listener = { progress: (update: Parameters<typeof progress>[0]) => { reported = true; progress(update); }, statement: request.onStatement };
      group.listeners.add(listener);
      group.records.forEach((r) => request.onStatement(r));
      try {
        // The first member to ask starts the fused scan; the others share its answer.
        const counts = await awaitGroup(group, request.signal);
        const mapping = group.aliases.get(scan)!;
        const mine: CountResult = Object.fromEntries(Object.entries(mapping).map(([name, alias]) => [name, counts[alias]!]));
        mine[SCANNED_ALIAS] = counts[SCANNED_ALIAS]!;
        // Every member shares the scan's facts: each one's counts stopped, or resumed, together.
        if (counts[SCAN_FACTS]) mine[SCAN_FACTS] = counts[SCAN_FACTS];
        // A member that joined after the statement's last report still ends with the scan's figures.
        if (!reported) progress({ rowsScanned: counts[SCANNED_ALIAS]! });
        return mine;
      } catch (error) {
        if (request.signal.aborted) throw error;
        const fault = error instanceof SourceQueryError ? error.fault.code : undefined;
        if (fault !== 'invalid_sql' && fault !== 'missing_column' && fault !== 'data_exception') throw error;
        return alone();
      } finally {
        group.listeners.delete(listener);
      }
    },
  };
  return executor;
}

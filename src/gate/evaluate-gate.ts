/**
 * The gate verdict, as a pure function of the phase, each required check's judged result (the one
 * whose reading began last, by the state store's clock), the current check definitions and the
 * store's `now`. Fail-closed: anything short of a fresh pass produced by the
 * current definition denies, and every denial says why.
 */
import type { CheckSpec } from '../catalog/registry.js';
import type { MigrationSpec } from '../checkfile/migrations.js';
import { canonicalJson } from '../checkfile/hash.js';
import type { EmbeddedIdentity } from '../embedded/identity.js';
import { couldNotVerify } from '../results/fault.js';
import { lagRecordSchema, replicaLagFault } from '../results/replica-lag.js';
import type { GateResultRow } from '../store/gates.js';
import { describeServerKey } from '../store/server-key.js';
import type { GateDenial } from './denials.js';
import { phaseRequirements, type Requirement } from './requirements.js';
import { embeddedNameOf, sourcesRead, targetKeyOf } from './sources-read.js';

/** A check's current definition: its hash, and (when at hand) its spec, which says what sources it reads. */
export interface GateDefinition { hash: string; spec?: CheckSpec | undefined }

/**
 * A source as declared now: settings outside every check's hash that still decide what evidence
 * counts, and the target its URL resolves to (names with one target are one source to a gate).
 */
export interface GateSource { spec: { url?: string | undefined; max_replica_lag?: number | undefined; require_least_privilege?: boolean | undefined }; identity?: unknown }

/**
 * The embedded database each embedded source reaches now, by source name, as this parity finds it
 * under its data directory (null: none there, or none with an id). A source missing here is null.
 */
export type EmbeddedNow = ReadonlyMap<string, EmbeddedIdentity | null>;


/** The phase being asked about. */
export interface GatePhase { migration: MigrationSpec; name: string }

/** How one required check stands. `reason` is null only when the check counts towards allowing. */
export interface GateCheck {
  id: string;
  status: string;
  result_id: string | null;
  finished_at: string | null;
  age_s: number | null;
  max_age_s: number;
  required_by: string[];
  reason: string | null;
  /** The reason as a stable code; null exactly when `reason` is. */
  denial: GateDenial | null;
  /**
   * A pass that counts but rests on partial evidence, as its check file asked (`unused` with
   * `evidence: catalog`): what was not read. Null when the evidence was complete.
   */
  caveat?: string | null;
}

/** The answer to "may we enter this phase?". */
export interface GateVerdict {
  migration: string;
  phase: string;
  allowed: boolean;
  evaluated_at: string;
  checks: GateCheck[];
  reasons: string[];
}

/** Results finishing this far after the store's `now` are not trusted (defence in depth: both come from the store's clock). */
export const CLOCK_SKEW_TOLERANCE_MS = 5_000;

/** Decides whether the phase may start. Pure: the caller supplies results, definitions and `now`. */
export function evaluateGate(
  phase: GatePhase,
  latestResults: ReadonlyMap<string, GateResultRow>,
  definitions: ReadonlyMap<string, GateDefinition>,
  now: Date,
  sources: ReadonlyMap<string, GateSource> = new Map(),
  embedded: EmbeddedNow = new Map(),
): GateVerdict {
  const verdict = (checks: GateCheck[], reasons: string[]): GateVerdict => ({
    migration: phase.migration.id, phase: phase.name, allowed: reasons.length === 0, evaluated_at: now.toISOString(), checks, reasons,
  });
  const requirements = phaseRequirements(phase.migration, phase.name);
  if (!requirements) {
    const names = phase.migration.phases.map((p) => p.name).join(', ');
    return verdict([], [`migration "${phase.migration.id}" has no phase "${phase.name}"; its phases are: ${names}`]);
  }
  if (requirements.length === 0) {
    return verdict([], [`phase "${phase.name}" requires no checks; a gate with nothing to verify stays closed`]);
  }
  const checks = denyMixedServers(requirements.map((r) => judge(r, latestResults.get(r.checkId), definitions.get(r.checkId), now, sources, embedded)), latestResults, sources);
  return verdict(checks, checks.flatMap((c) => (c.reason === null ? [] : [c.reason])));
}

/**
 * One answer judges each source by one server: passes that count but read the same source as
 * different servers all deny. A source is its target: two names whose URLs resolve to one target
 * are one source here. (The store's later-server search already denies the older of two such
 * passes; this holds even without it, e.g. for two passes that began reading in one instant.)
 */
function denyMixedServers(checks: GateCheck[], latest: ReadonlyMap<string, GateResultRow>, sources: ReadonlyMap<string, GateSource>): GateCheck[] {
  const seen = new Map<string, Map<string, string>>();
  for (const check of checks) {
    if (check.reason !== null) continue;
    for (const [source, key] of Object.entries(latest.get(check.id)?.servers ?? {})) {
      const target = targetKeyOf(source, sources);
      const byTarget = seen.get(target) ?? new Map<string, string>();
      byTarget.set(canonicalJson(key), describeServerKey(key));
      seen.set(target, byTarget);
    }
  }
  return checks.map((check) => {
    if (check.reason !== null) return check;
    const mixed = Object.keys(latest.get(check.id)?.servers ?? {}).find((source) => (seen.get(targetKeyOf(source, sources))?.size ?? 0) > 1);
    if (mixed === undefined) return check;
    const servers = [...seen.get(targetKeyOf(mixed, sources))!.values()].join('; ');
    return { ...check, reason: `check "${check.id}" passed, but the required checks read source "${mixed}" as different servers (${servers}); a gate judges each source by one server`, denial: 'mixed_servers' };
  });
}

function judge(req: Requirement, result: GateResultRow | undefined, definition: GateDefinition | undefined, now: Date, sources: ReadonlyMap<string, GateSource>, embedded: EmbeddedNow): GateCheck {
  const base: GateCheck = {
    id: req.checkId, status: 'missing', result_id: null, finished_at: null, age_s: null,
    max_age_s: req.maxAgeMs / 1000, required_by: req.phases, reason: null, denial: null,
  };
  const name = `check "${req.checkId}"`;
  if (result) {
    base.status = result.status;
    base.result_id = result.resultId;
    base.finished_at = result.finishedAt?.toISOString() ?? null;
    base.age_s = result.finishedAt ? Math.round((now.getTime() - result.finishedAt.getTime()) / 100) / 10 : null;
  }
  const deny = (reason: string, denial: GateDenial): GateCheck => ({ ...base, reason, denial });
  if (!definition) return deny(`${name} is not declared in the check files`, 'undeclared');
  if (!result) return deny(`${name} has no result yet`, 'missing');
  if (result.status === 'running' || result.finishedAt === null) {
    return deny(`${name} is running (result ${result.resultId}, started ${result.startedAt.toISOString()}); its outcome is not known yet`, 'running');
  }
  const summary = result.summary ? `: ${result.summary}` : '';
  if (result.status === 'fail') return deny(`${name} failed${summary}`, 'failed');
  if (result.status === 'error') return deny(`${name} ${result.error ? couldNotVerify(result.error) : 'could not verify'}`, 'could_not_verify');
  if (result.status !== 'pass') return deny(`${name} has status "${result.status}", which is not a pass`, 'not_a_pass');
  // A pass counts only if no other outcome, not a pass, was read after it began reading (or is still being read).
  const later = result.laterNonPass;
  if (later) {
    // `running`, like a judged result still running: what denies is an outcome not known yet, and
    // readers that wait for it (the ParityGateDenied alert) must tell it from a newer non-pass.
    if (later.status === 'running' || later.finishedAt === null) {
      return deny(`${name} is running again (result ${later.resultId}) since its last pass began reading; its outcome is not known yet`, 'running');
    }
    return deny(`${name} passed (result ${result.resultId}), but result ${later.resultId} (${later.status}) finished at ${later.finishedAt.toISOString()}, after that pass began reading; the newer outcome denies`, 'superseded');
  }
  if (result.estimated) return deny(`${name} passed on a planner estimate (estimate: true); gates require exact counts`, 'estimate');
  // The same keys on every run: after a failure showed them, repairing exactly those passes.
  if (result.fixedSeed) return deny(`${name} passed on a sample replayed from a fixed sample.seed (the same keys every run, so a repair of the keys a failure showed passes it); gates require a sample drawn afresh — remove sample.seed`, 'fixed_seed');
  if (result.definitionHash !== definition.hash) {
    return deny(`${name} last passed under another definition (${result.definitionHash.slice(0, 8)}, now ${definition.hash.slice(0, 8)}: the check, the target of a source it reads, or the version of parity changed since); run it again`, 'stale_definition');
  }
  // Evidence about a server: the hash pins the target a source names, not what that name reaches.
  const read = sourcesRead(definition.spec) ?? [];
  const unrecorded = read.find((source) => !result.servers?.[source]);
  if (unrecorded !== undefined) {
    return deny(`${name} passed (result ${result.resultId}) without a record of which server source "${unrecorded}" was; a gate counts only evidence about a known server — run it again`, 'no_server_identity');
  }
  // An embedded source's definition is its name alone, and every embedded database names the
  // template's cluster to SQL: only its own id and data directory say which database a pass read,
  // and this parity knows which one the source reaches now (it is in its own data directory).
  for (const source of read) {
    const database = embeddedNameOf(source, sources);
    if (database === undefined) continue;
    const recorded = result.servers![source]!;
    const current = embedded.get(source) ?? null;
    if (current === null) {
      return deny(`${name} passed (result ${result.resultId}) reading source "${source}" as ${describeServerKey(recorded)}, but this parity has no embedded database ${database} with an identity under its data directory now; a gate counts only evidence about the database a source reaches now — run the check again`, 'server_changed');
    }
    if ((recorded.embedded_id ?? null) !== current.embedded_id || (recorded.data_dir ?? null) !== current.data_dir) {
      return deny(`${name} passed (result ${result.resultId}) reading source "${source}" as ${recorded.embedded_id ? describeServerKey(recorded) : 'an embedded database whose identity was not recorded'}, but the source now reaches embedded database ${current.embedded_id} under ${current.data_dir}: another database — run the check again`, 'server_changed');
    }
  }
  // max_replica_lag and require_least_privilege are the source's, outside the hash: set or
  // tightened since the pass, they judge what it recorded, exactly as a run under them would have.
  for (const source of read) {
    const under = result.readUnder?.[source];
    if (sources.get(source)?.spec.require_least_privilege) {
      const warnings = under?.privilege_warnings;
      if (!Array.isArray(warnings) || warnings.length > 0) {
        return deny(`${name} passed (result ${result.resultId}) reading source "${source}" ${warnings?.length ? `as a role that may write (${warnings.join('; ')})` : 'with privileges never recorded'}; the source requires least privilege now — run it again`, 'not_least_privilege');
      }
    }
    const limit = sources.get(source)?.spec.max_replica_lag;
    if (limit === undefined) continue;
    const lag = under?.replica_lag ?? (under?.in_recovery === false ? undefined : null);
    const fault = lag === undefined ? undefined : lag === null
      ? { message: `source "${source}" may have been a standby and no replay lag was recorded; max_replica_lag is set now` }
      : replicaLagFault(source, { ...lag, max_replica_lag_ms: limit });
    if (fault) return deny(`${name} passed (result ${result.resultId}) on data read where ${fault.message}; run it again`, 'replica_lag');
  }
  const moved = result.laterServer;
  if (moved) {
    const ours = result.servers?.[moved.source];
    const via = moved.readAs !== undefined && moved.readAs !== moved.source ? ` through source "${moved.readAs}", whose URL reaches the same target,` : '';
    return deny(`${name} passed reading source "${moved.source}" as ${ours ? describeServerKey(ours) : 'an unrecorded server'}, but result ${moved.resultId} (check "${moved.checkId}") read it afterwards${via} as ${describeServerKey(moved.server)}; the source now reaches another server — run the check again`, 'server_changed');
  }
  // An incremental pass read only changed rows: it is evidence only as a link of an unbroken chain,
  // and only for a phase that asked to judge chains (coverage: continuous).
  const incremental = result.incremental;
  if (incremental?.mode === 'incremental') {
    if (!req.continuous) {
      return deny(`${name} passed on an incremental run (only rows changed since ${incremental.lowerBound ?? 'an unknown time'}); a phase counts incremental runs only with coverage: continuous — add it to the phase (and every phase requiring the check), or run a full pass`, 'incremental_only');
    }
    const c = incremental.coverage;
    if (c?.unbroken !== true) {
      return deny(`${name} passed on an incremental run whose chain since the last full pass is broken; coverage: continuous needs every link since a full pass to have passed — run a full pass`, 'broken_chain');
    }
  }
  const ageMs = now.getTime() - result.finishedAt.getTime();
  if (ageMs < -CLOCK_SKEW_TOLERANCE_MS) {
    return deny(`${name} finished at ${result.finishedAt.toISOString()}, in the future; a clock is wrong, so the result is not trusted`, 'clock_skew');
  }
  if (ageMs > req.maxAgeMs) return deny(`${name} last passed ${humanAge(ageMs)} ago, older than max_age ${humanAge(req.maxAgeMs)}`, 'too_old');
  // A pass is about the data as it was read, so it is as old as its first read (evidence-began.ts):
  // a reading longer than max_age opens no gate the moment it finishes.
  // A resumed scan's first chunks were counted by the interrupted run: the evidence is as old as they are.
  const resumedAgeMs = result.resumedSince ? now.getTime() - result.resumedSince.getTime() : undefined;
  if (resumedAgeMs !== undefined && resumedAgeMs > req.maxAgeMs) {
    return deny(`${name} passed on a resumed scan whose first chunks were read ${humanAge(resumedAgeMs)} ago (${result.resumedSince!.toISOString()}), older than max_age ${humanAge(req.maxAgeMs)}`, 'too_old');
  }
  const readFrom = result.readAt ?? result.startedAt;
  const readAgeMs = now.getTime() - readFrom.getTime();
  if (readAgeMs > req.maxAgeMs) {
    return deny(`${name} passed on a reading that began ${humanAge(readAgeMs)} ago (${readFrom.toISOString()}), older than max_age ${humanAge(req.maxAgeMs)}: the rows it read first are that old; a check that reads for longer than max_age never counts — raise max_age or shorten the check`, 'too_old');
  }
  // On a standby behind its primary the rows read were the primary's rows of `lag` earlier: the
  // pass is that much older again (an upper bound: a standby measures lag by its last replayed
  // commit). A standby that could not say how far behind it was leaves the age unknown.
  let behindMs = 0;
  for (const source of read) {
    const under = result.readUnder?.[source];
    const lag = under?.replica_lag;
    if (lag ? lag.lag_ms === null : under?.in_recovery !== false) {
      return deny(`${name} passed (result ${result.resultId}) reading source "${source}" on a standby that ${lag ? 'could not say' : 'did not record'} how far behind its primary it was, so how old the rows it read were is unknown — run it again on a primary or a standby that can say`, 'replica_lag');
    }
    behindMs = Math.max(behindMs, lag?.lag_ms ?? 0);
  }
  // A resumed scan's first chunks were read by the interrupted runs, under the lag they recorded:
  // the lag recorded above is this result's own reading, which a standby caught up since says nothing of.
  if (result.resumedSince) {
    const carried = lagRecordSchema.safeParse(result.resumedReadUnder);
    const lags = carried.success ? Object.values(carried.data) : [];
    if (lags.length === 0 || lags.some((l) => l.lag_ms === null)) {
      return deny(`${name} passed (result ${result.resultId}) on a scan resumed from ${result.resumedSince.toISOString()} without a record of how far behind its primary each source was when those chunks were read, so how old they are is unknown — run it again`, 'replica_lag');
    }
    behindMs = Math.max(behindMs, ...lags.map((l) => l.lag_ms ?? 0));
  }
  // A resumed scan's first chunks were read earlier still (resumedAgeMs): the lag comes on top of that.
  const firstReadAgeMs = Math.max(readAgeMs, resumedAgeMs ?? 0);
  if (behindMs > 0 && firstReadAgeMs + behindMs > req.maxAgeMs) {
    return deny(`${name} passed on a reading that began ${humanAge(firstReadAgeMs)} ago on a standby ${humanAge(behindMs)} behind its primary: the rows it read are ${humanAge(firstReadAgeMs + behindMs)} old, older than max_age ${humanAge(req.maxAgeMs)} — run it again where replay has caught up`, 'too_old');
  }
  const notRead = result.evidenceNotRead ?? [];
  return notRead.length > 0 ? { ...base, caveat: `passed without reading: ${notRead.join('; ')}` } : base;
}

/**
 * A refreshed answer counts only passes of checks the refresh ran: a check the phase came to
 * require while it ran (the files were reloaded) keeps its older pass, which is not "run now". Pure.
 */
export function denyNotRefreshed(verdict: GateVerdict, ran: ReadonlySet<string>): GateVerdict {
  const checks = verdict.checks.map((check): GateCheck => (check.reason !== null || ran.has(check.id) ? check : {
    ...check,
    reason: `check "${check.id}" passed (result ${check.result_id ?? 'unknown'}), but this refresh did not run it: the phase came to require it while the refresh ran (the check files changed); ask again`,
    denial: 'not_refreshed',
  }));
  const reasons = [...verdict.reasons, ...checks.flatMap((c, i) => (c.reason !== null && verdict.checks[i]!.reason === null ? [c.reason] : []))];
  return { ...verdict, checks, reasons, allowed: verdict.allowed && reasons.length === 0 };
}

/** "2h 5m", "45s", "1d 3h": the two largest units, for reasons a person reads. */
export function humanAge(ms: number): string {
  const units = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const;
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const parts: string[] = [];
  let rest = Math.floor(ms);
  for (const [unit, size] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.join(' ');
}

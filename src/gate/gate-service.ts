/**
 * The gate service: the I/O shell around evaluateGate. It reads each required check's newest
 * result (through the evidence cache, see evidence-cache.ts for its staleness bound), optionally
 * runs the checks first (refresh), and records every decision it hands out (a repeat of the last
 * identical one is counted, not written again: decision-log.ts).
 * If anything on the way fails, the caller gets GateUnavailableError — never an "allowed".
 */
import type { Logger } from '../logging/logger.js';
import { redact } from '../logging/secrets.js';
import type { Runner } from '../runner/run-types.js';
import type { Clock } from '../runner/clock.js';
import type { Catalog, LoadedMigration } from '../catalog/catalog.js';
import type { GateDecisionRecord } from '../store/gates.js';
import type { Store } from '../store/store.js';
import { createDecisionLog, DEFAULT_REPEAT_FLUSH_MS } from './decision-log.js';
import { createEvidenceCache, DEFAULT_GATE_EVIDENCE_TTL_MS } from './evidence-cache.js';
import { denyNotRefreshed, evaluateGate, type GateVerdict } from './evaluate-gate.js';
import { GateUnavailableError, UnknownMigrationError, UnknownPhaseError } from './gate-errors.js';
import { phaseRequirements } from './requirements.js';
import { embeddedSourcesNow, sourceWitnesses } from './sources-read.js';
import type { EmbeddedIdentity } from '../embedded/identity.js';

/** A recorded answer: the verdict plus who asked and whether the checks were run first. */
export interface GateDecision extends GateVerdict {
  /** Id of the recorded decision; null when it could not be recorded (then allowed is false). */
  id: string | null;
  requested_by: string | null;
  refreshed: boolean;
  /** The run a refresh started, if any. */
  run_id: string | null;
  /** False when the gate could not be evaluated (store or refresh failure). */
  evaluated: boolean;
}

export interface GateServiceDeps {
  store: Pick<Store, 'gateEvidence' | 'recordGateDecision' | 'probeGateDecision' | 'addGateDecisionRepeats' | 'listGateDecisions'> & Partial<Pick<Store, 'resultChanges'>>;
  runner: Pick<Runner, 'start'>;
  catalog: () => Catalog;
  clock: Clock;
  logger?: Logger | undefined;
  /** Hears every decision, including ones that could not be evaluated (telemetry). Must not throw. */
  onDecision?: ((decision: GateDecision) => void) | undefined;
  /** Longest reuse of gate evidence when no change was heard (default 1 s; 0: read the store on every answer). */
  evidenceTtlMs?: number | undefined;
  /** How often counted repeats of a decision are written (default 2 s; 0: at once). */
  repeatFlushMs?: number | undefined;
  /**
   * The embedded database `embedded:NAME` reaches now under this parity's data directory
   * (embedded/pglite.ts currentEmbeddedIdentity), read on every answer. Absent: no pass about an
   * embedded source counts, since which database it is cannot be told.
   */
  embeddedIdentity?: ((database: string) => EmbeddedIdentity | null) | undefined;
}

export interface DecideOptions {
  /** Run the required checks now, then answer. */
  refresh?: boolean | undefined;
  /** Recorded with the decision: token name, CLI user, … */
  requestedBy?: string | undefined;
}

export interface GateService {
  /** Answers "may this phase start?" and records the decision; throws GateUnavailableError when it cannot. */
  decide(migrationId: string, phase: string, options?: DecideOptions): Promise<GateDecision>;
  /**
   * The same verdict without recording it, for views such as the status page and the gauges. It
   * allows only when an answer would: a verdict the store could not record now denies.
   */
  preview(migrationId: string, phase: string): Promise<GateVerdict>;
  /** Recorded decisions, newest first. */
  decisions(migrationId: string, options: { limit: number; phase?: string | undefined }): Promise<GateDecisionRecord[]>;
  /** Writes the repeats counted so far and stops following result changes. */
  close(): Promise<void>;
}

/** Creates the gate service over a store, a runner and the current catalog. */
export function createGateService(deps: GateServiceDeps): GateService {
  const locate = (migrationId: string, phase: string): LoadedMigration => {
    const catalog = deps.catalog();
    const migration = catalog.migrations.get(migrationId);
    if (!migration) throw new UnknownMigrationError(migrationId, [...catalog.migrations.keys()]);
    if (!migration.spec.phases.some((p) => p.name === phase)) throw new UnknownPhaseError(migrationId, phase, migration.spec.phases.map((p) => p.name));
    return migration;
  };

  const cache = createEvidenceCache({
    load: (ids, witnesses) => deps.store.gateEvidence(ids, witnesses), clock: deps.clock, ttlMs: deps.evidenceTtlMs ?? DEFAULT_GATE_EVIDENCE_TTL_MS,
  });
  const unsubscribe = deps.store.resultChanges?.subscribe(() => cache.invalidate());
  const log = createDecisionLog({ store: deps.store, clock: deps.clock, logger: deps.logger, flushMs: deps.repeatFlushMs ?? DEFAULT_REPEAT_FLUSH_MS });

  async function verdictOf(migrationId: string, phase: string, fresh = false): Promise<GateVerdict> {
    // Requirements and definitions from one look at the catalog: a refresh run can outlast a reload,
    // and the phase the files declare when the answer is given is the one judged.
    const catalog = deps.catalog();
    const migration = catalog.migrations.get(migrationId);
    if (!migration) throw new UnknownMigrationError(migrationId, [...catalog.migrations.keys()]);
    const ids = (phaseRequirements(migration.spec, phase) ?? []).map((r) => r.checkId);
    // Results and `now` both come from the store's clock, read in one statement: a replica's own
    // clock (fast or slow) never decides which result is newest or how old it is. The catalog is
    // the current one on every answer: only results are reused, never definitions.
    // Every current check reading a source the phase's checks read can show that source re-pointed.
    const witnesses = sourceWitnesses(ids, catalog.checks, catalog.sources);
    const { latest, now } = fresh ? await deps.store.gateEvidence(ids, witnesses) : await cache.read(ids, witnesses);
    // Which embedded database each embedded source is, read after the evidence: never older than it.
    const embedded = embeddedSourcesNow(ids, catalog.checks, catalog.sources, deps.embeddedIdentity);
    return evaluateGate({ migration: migration.spec, name: phase }, latest, catalog.checks, now, catalog.sources, embedded);
  }

  const tell = (decision: GateDecision) => {
    try {
      deps.onDecision?.(decision);
    } catch (error) {
      deps.logger?.warn({ err: error }, 'gate decision observer failed');
    }
  };

  return {
    async decide(migrationId, phase, options = {}) {
      const migration = locate(migrationId, phase);
      const requestedBy = options.requestedBy ?? null;
      let runId: string | null = null;
      // The checks a refresh ran: a refreshed answer rests on them alone.
      let ran = new Set<string>();
      let stage = 'could not run the required checks';
      try {
        if (options.refresh) {
          const catalog = deps.catalog();
          const checks = (phaseRequirements(migration.spec, phase) ?? []).flatMap((r) => catalog.checks.get(r.checkId) ?? []);
          ran = new Set(checks.map((c) => c.spec.id));
          if (checks.length > 0) {
            const { run, finished } = await deps.runner.start({ checks, trigger: 'gate', requestedBy: requestedBy ?? undefined, selector: { migration: migrationId, phase } });
            runId = run.id;
            const done = await finished;
            if (done.status !== 'finished') throw new Error(`refresh run ${run.id} ended ${done.status}`);
          }
        }
        stage = 'could not read results from the state store';
        // After a refresh the store is read directly: the answer is about the run just made.
        const judged = await verdictOf(migrationId, phase, options.refresh === true);
        // The files may have changed while the checks ran (a reload), and the phase as judged now
        // may require a check the refresh did not run: its older pass is no "checks run now".
        const verdict = options.refresh ? denyNotRefreshed(judged, ran) : judged;
        stage = 'could not record the decision in the state store';
        // An answer that cannot be audited is not given: recording (or counting a repeat of a
        // recorded one) comes before replying.
        const recorded = await log.record(verdict, { requestedBy, refreshed: options.refresh === true, definitions: deps.catalog().checks });
        const decision: GateDecision = { ...verdict, id: recorded.id, requested_by: requestedBy, refreshed: options.refresh === true, run_id: runId, evaluated: true };
        if (!recorded.repeat) {
          deps.logger?.info({ migration_id: migrationId, phase, allowed: decision.allowed, decision_id: decision.id, requested_by: requestedBy, refreshed: decision.refreshed, reasons: decision.reasons }, `gate ${migrationId}/${phase}: ${decision.allowed ? 'allowed' : 'denied'}`);
        }
        tell(decision);
        return decision;
      } catch (error) {
        const failure = new GateUnavailableError(migrationId, phase, stage, { cause: error });
        deps.logger?.error({ err: error, migration_id: migrationId, phase }, redact(failure.message));
        tell({
          migration: migrationId, phase, allowed: false, evaluated_at: deps.clock.now().toISOString(), checks: [],
          reasons: [redact(failure.message)], id: null, requested_by: requestedBy, refreshed: options.refresh === true, run_id: runId, evaluated: false,
        });
        throw failure;
      }
    },

    async preview(migrationId, phase) {
      locate(migrationId, phase);
      const verdict = await verdictOf(migrationId, phase);
      if (!verdict.allowed) return verdict;
      // An answer is recorded before it is given, or not given: a reading of "allowed" that is not
      // an answer (gauge, previews) must not allow what every new asker would get a 503 for.
      try {
        await log.probe(verdict);
        return verdict;
      } catch (error) {
        const reason = redact(`could not record a decision in the state store, so a gate answer would be "could not evaluate": ${(error as Error)?.message ?? String(error)}`);
        return { ...verdict, allowed: false, reasons: [reason] };
      }
    },

    async decisions(migrationId, options) {
      const catalog = deps.catalog();
      if (!catalog.migrations.has(migrationId)) throw new UnknownMigrationError(migrationId, [...catalog.migrations.keys()]);
      // Counted repeats first, so the listing shows every answer given so far.
      await log.flush();
      return deps.store.listGateDecisions(migrationId, options);
    },

    async close() {
      unsubscribe?.();
      await log.close();
    },
  };
}

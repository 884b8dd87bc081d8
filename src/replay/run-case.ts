/**
 * Replays one case end to end on the replay database: old schema → messy rows → expand → dual
 * write → batched backfill (application writes interleaved, maybe a batch killed before COMMIT and
 * the job restarted, maybe a mutation injected) → read switch → writes after the switch → state
 * snapshot → consistency oracle → checks → contract. Statements are atomic, so writes interleave
 * with the backfill at statement granularity.
 */
import type { AppWrite, ReplayCase } from './arbitraries/case.js';
import type { CheckRunner, CheckOutcome } from './checks.js';
import type { ReplayDatabase, Row } from './database.js';
import { candidatesSql, injectVictim } from './mutations/inject.js';
import type { MutationInstance, Scenario } from './scenario/load.js';
import type { AppWriteSpec } from './scenario/schema.js';
import { diffSnapshots, tableKeys, takeSnapshot, type KeyRef, type RowDifference, type Snapshot } from './snapshot.js';
import { seedRows } from './seed.js';
import { quoteIdent } from './quote.js';

/** A mutation to inject: which one, at which step of its window, against which candidate row. */
export interface MutationPlan {
  instance: MutationInstance;
  /** Backfill window: committed batch after which to strike (or stop); after-switch window: write position. */
  step: number;
  victim: number;
}

/** Whether a replay injects a mutation, and whether it runs the contract step. */
export interface RunOptions {
  mutation?: MutationPlan | undefined;
  contract?: boolean;
}

/** What one replay of a case observed. */
export interface CaseRun {
  failure?: { step: string; message: string };
  /** Committed batches that processed rows (the restart after a kill included). */
  batches: number;
  killed: boolean;
  writes: { applied: number; skipped: number };
  state?: Snapshot;
  /**
   * Rows where old and new disagree at the gate by the migration's own definition: what running
   * the backfill again from scratch would change. Empty when the backfill is idempotent, survived
   * its kill, and the dual writes kept up.
   */
  drift?: RowDifference[];
  /** Why the backfill could not rerun on a mutated state (the defect made the data un-derivable). */
  rerunError?: string;
  checks?: CheckOutcome[];
  /** The `unused` checks at the end of the contract window (after stop_old_writes), when they ran. */
  watched?: CheckOutcome[];
  mutation?: { injected: boolean; victim?: KeyRef };
}

/** Batch size of the oracle's rerun: every row in one batch. */
const RERUN_BATCH_SIZE = 1_000_000;

/** No row qualified as a victim: the rest of the mutated run would only repeat the correct one. */
class NothingToMutate extends Error {}

class StepFailure extends Error {
  constructor(readonly step: string, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

async function step<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw error instanceof StepFailure || error instanceof NothingToMutate ? error : new StepFailure(name, error);
  }
}

/** Replays cases of one scenario on one database. */
export function createCaseRunner(scenario: Scenario, db: ReplayDatabase, checks: CheckRunner) {
  const { spec, steps } = scenario;
  const label = (name: keyof typeof steps) => `${name} (${steps[name]?.file ?? 'not declared'})`;
  // Steps are DDL that does not depend on the data, so the tables at each stage are the same in
  // every case: look them up once per stage rather than once per snapshot.
  const tablesAt = new Map<string, Promise<Map<string, string[]>>>();
  const tables = (stage: 'backfill' | 'gate') => {
    if (!tablesAt.has(stage)) tablesAt.set(stage, tableKeys(db.query));
    return tablesAt.get(stage)!;
  };

  /** Key rows of a table in key order: the rows an app write may pick. */
  const keyRowsSql = (table: string) => {
    const keys = spec.tables[table]!.key;
    return `select ${keys.map((k) => `(${quoteIdent(k)})::text as ${quoteIdent(k)}`).join(', ')} from ${quoteIdent(table)} order by ${keys.map(quoteIdent).join(', ')}`;
  };

  /**
   * Binds an app write's parameters (an existing row for key columns) and runs it; false when no
   * row exists. `keyRows`: rows picked before a watched window, so picking is no read inside it.
   */
  async function applyWrite(ops: readonly AppWriteSpec[], write: AppWrite, phase: string, keyRows?: Map<string, Row[]>): Promise<boolean> {
    const op = ops[write.op]!;
    return step(`app write ${phase}: ${op.sql}`, async () => {
      const chosen = new Map<string, Record<string, unknown>>();
      for (const ref of op.params) {
        const [table, column] = ref.split('.') as [string, string];
        const keys = spec.tables[table]!.key;
        if (!keys.includes(column) || chosen.has(table)) continue;
        const rows = keyRows?.get(table) ?? await db.query(keyRowsSql(table));
        if (rows.length === 0) return false;
        chosen.set(table, rows[write.key % rows.length]!);
      }
      const params = op.params.map((ref) => {
        const [table, column] = ref.split('.') as [string, string];
        const row = chosen.get(table);
        return row && column in row ? String(row[column]) : (write.values[ref] ?? null);
      });
      await db.query(op.sql, params);
      return true;
    });
  }

  async function injectAt(plan: MutationPlan, run: CaseRun, candidates?: Row[]): Promise<void> {
    const m = plan.instance;
    if (m.definition.mechanism === 'statement') {
      // A use of the old shape, not a change to a row: the statement runs as the application would run it.
      await step(`mutation ${m.id}`, () => db.query(m.sql!));
      run.mutation = { injected: true };
      return;
    }
    const keyColumns = m.key ?? (await tables(m.definition.window === 'backfill' ? 'backfill' : 'gate')).get(m.table!) ?? [];
    if (keyColumns.length === 0) throw new StepFailure(`mutation ${m.id}`, new Error(`table ${m.table} has no primary key; give the mutation key:`));
    const victim = await step(`mutation ${m.id}`, () => injectVictim(db, m, plan.victim, keyColumns, candidates));
    run.mutation = victim ? { injected: true, victim } : { injected: false };
    if (!victim) throw new NothingToMutate();
  }

  /** Runs batches until one processes nothing; writes scheduled before an attempt run first. */
  async function backfill(c: ReplayCase, run: CaseRun, plan: MutationPlan | undefined): Promise<void> {
    const pending = c.writes.map((w, i) => ({ w, i })).sort((a, b) => a.w.at - b.w.at || a.i - b.i);
    const count = async (applied: boolean) => { if (applied) run.writes.applied++; else run.writes.skipped++; };
    const seeded = Object.values(c.rows).reduce((n, rows) => n + rows.length, 0);
    const limit = 4 * (seeded + c.writes.length) + 20;
    const strikes = plan?.instance.definition.window === 'backfill' ? plan : undefined;
    const interrupt = strikes?.instance.definition.mechanism === 'interrupt';
    for (let attempt = 0; ; attempt++) {
      while (pending.length > 0 && pending[0]!.w.at <= attempt) await count(await applyWrite(spec.app.before_switch, pending.shift()!.w, 'before the read switch'));
      if (interrupt && run.batches === strikes!.step) {
        run.mutation = { injected: true };
        break;
      }
      if (attempt >= limit) throw new StepFailure(label('backfill'), new Error(`the backfill did not finish after ${attempt} batches; does it record its progress?`));
      const batchName = `${label('backfill')}, batch ${attempt}`;
      if (c.kill === attempt) {
        // Killed before COMMIT: the batch's work is lost, and the restarted job must pick up from there.
        await step(batchName, () => db.transaction((query) => query(steps.backfill.text, [String(c.batchSize)]), { rollback: true }));
        run.killed = true;
        continue;
      }
      const [result] = await step(batchName, () => db.query(steps.backfill.text, [String(c.batchSize)]));
      const processed = Number(result?.processed);
      if (!Number.isFinite(processed)) throw new StepFailure(batchName, new Error('the batch must return one row with a numeric "processed" column (0 when done)'));
      if (processed === 0) break;
      run.batches++;
      if (strikes && !interrupt && !run.mutation && run.batches - 1 === strikes.step) await injectAt(strikes, run);
    }
    for (const { w } of pending) await count(await applyWrite(spec.app.before_switch, w, 'before the read switch'));
    if (strikes && !run.mutation) await injectAt(strikes, run);
  }

  /**
   * The state a backfill rerun from scratch would leave, computed in a transaction that is rolled
   * back. Triggers are off so only the backfill's own writes count (after the read switch the
   * reverse sync would otherwise rewrite the old side).
   */
  async function rerunState(): Promise<Snapshot> {
    const gate = await tables('gate');
    return db.transaction(async (query) => {
      await query('set local session_replication_role = replica');
      await query(spec.steps.backfill.reset);
      await query(steps.backfill.text, [String(RERUN_BATCH_SIZE)]);
      return takeSnapshot(query, gate, spec.state.ignore);
    }, { rollback: true });
  }

  /**
   * After the gate: old writes stop for good, then the application writes again (the case's
   * after-switch writes, once more) while the `unused` checks watch — from a baseline at the
   * window's start to their verdict at its end. A contract-window mutation strikes among those writes.
   */
  async function contractWindow(c: ReplayCase, run: CaseRun, plan: MutationPlan | undefined): Promise<void> {
    const stop = steps.stop_old_writes;
    if (!stop) return;
    await step(label('stop_old_writes'), () => db.script(stop.text));
    if (!checks.watchesContract) return;
    // Replay's own reads happen before the window opens: the rows app writes and the mutation pick
    // would otherwise be reads of the old shape the unused checks rightly report.
    const keyRows = new Map<string, Row[]>();
    for (const table of new Set(spec.app.after_switch.flatMap((op) => op.params.map((ref) => ref.split('.')[0]!)))) {
      keyRows.set(table, await step(`rows of ${table}`, () => db.query(keyRowsSql(table))));
    }
    const candidates = plan?.instance.definition.mechanism === 'victim'
      ? await step(`mutation ${plan.instance.id}: candidates`, async () => db.query(candidatesSql(plan.instance, plan.instance.key ?? (await tables('gate')).get(plan.instance.table!) ?? [])))
      : undefined;
    // Table write counters reach the statistics system when a backend flushes them; writes from
    // before the window must be counted before its baseline, not inside it.
    await step('flush table statistics', () => db.query('select pg_stat_force_next_flush()'));
    checks.openContractWindow();
    await step('unused checks, window start', () => checks.runUnused());
    for (const [i, write] of c.afterSwitch.entries()) {
      if (plan && plan.step === i) await injectAt(plan, run, candidates);
      await applyWrite(spec.app.after_switch, write, 'in the contract window', keyRows);
    }
    if (plan && !run.mutation) await injectAt(plan, run, candidates);
    await step('flush table statistics', () => db.query('select pg_stat_force_next_flush()'));
    run.watched = await step('unused checks, window end', () => checks.runUnused());
  }

  /** Replays the case; a failing step is recorded on the result, never thrown. */
  async function runCase(c: ReplayCase, options: RunOptions = {}): Promise<CaseRun> {
    const run: CaseRun = { batches: 0, killed: false, writes: { applied: 0, skipped: 0 } };
    const plan = options.mutation;
    try {
      // One script for both: the reset cannot fail, and every round trip counts in a 100-case replay.
      await step(label('old_schema'), () => db.script(`${db.caseReset};\n${steps.old_schema.text}`));
      await step('seed rows', () => seedRows(db, spec, c.rows));
      await step(label('expand'), () => db.script(steps.expand.text));
      await step(label('dual_write'), () => db.script(steps.dual_write.text));
      await backfill(c, run, plan);
      await step(label('read_switch'), () => db.script(steps.read_switch.text));
      const stale = plan?.instance.definition.window === 'after_switch' ? plan : undefined;
      for (const [i, write] of c.afterSwitch.entries()) {
        if (stale && stale.step === i) await injectAt(stale, run);
        if (await applyWrite(spec.app.after_switch, write, 'after the read switch')) run.writes.applied++;
        else run.writes.skipped++;
      }
      if (stale && !run.mutation) await injectAt(stale, run);
      run.state = await step('state snapshot', async () => takeSnapshot(db.query, await tables('gate'), spec.state.ignore));
      const watching = plan?.instance.definition.window === 'contract_window';
      if (plan && !watching) {
        // A defect can leave data the backfill cannot even process (cents that overflow): that is
        // drift too, for the checks to catch, not a broken step.
        try {
          run.drift = diffSnapshots(run.state, await rerunState());
        } catch (error) {
          run.rerunError = error instanceof Error ? error.message : String(error);
        }
        // A defect that left old and new consistent is an equivalent mutant: nothing for a check to find.
        if (run.drift?.length === 0) return run;
      } else {
        run.drift = diffSnapshots(run.state, await step(`backfill rerun from scratch (${spec.steps.backfill.reset})`, rerunState));
      }
      run.checks = await step('checks', () => checks.runAll());
      if (options.contract || watching) await contractWindow(c, run, watching ? plan : undefined);
      if (options.contract) await step(label('contract'), () => db.script(steps.contract.text));
    } catch (error) {
      if (error instanceof NothingToMutate) return run;
      if (!(error instanceof StepFailure)) throw error;
      run.failure = { step: error.step, message: error.message };
    }
    return run;
  }

  return { runCase };
}

/** Replays cases of one scenario on one database. */
export type CaseRunner = ReturnType<typeof createCaseRunner>;

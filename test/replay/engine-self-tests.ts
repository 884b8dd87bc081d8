/**
 * The replay engine against real databases: its properties have teeth (broken migrations and weak
 * check files are caught, with a shrunk counterexample that replays from seed and path), and every
 * counterexample replay ever found stays here as a fixed case. Declared inside a scenario test
 * file so they share its replay database (PGlite takes seconds to start).
 */
import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ReplayCase } from '../../src/replay/arbitraries/case.js';
import { localTimestamp } from '../../src/replay/arbitraries/timestamp.js';
import type { ReplayDatabase } from '../../src/replay/database.js';
import { createReplayHarness } from '../../src/replay/harness.js';
import { replayScenario } from '../../src/replay/replay-scenario.js';
import { formatReport } from '../../src/replay/report.js';
import { effective } from '../../src/replay/tally.js';
import { loadScenario } from '../../src/replay/scenario/load.js';
import { correctRunProblems } from '../../src/replay/verdict.js';
import { SCENARIOS_DIR, scenarioVariant } from './support.js';

const TEETH_RUNS = 12;

/** Small tables keep the self-tests and their shrinking quick; the repository scenarios use 0-20 rows. */
const smallTables = (yaml: string) => yaml.replace('rows: { min: 0, max: 20 }', 'rows: { min: 0, max: 8 }');

/** The engine's self-tests, on the database `database()` returns. */
export function describeEngineSelfTests(database: () => ReplayDatabase): void {
  describe('the replay engine', () => {
    const replay = async (dir: string, options: { seed?: number; path?: string; mutation?: string; runs?: number; shrink?: boolean } = {}) =>
      replayScenario(await loadScenario(dir), database(), { runs: options.runs ?? TEETH_RUNS, seed: options.seed ?? 1234, path: options.path, mutation: options.mutation, shrink: options.shrink });

    it('generates timestamps inside DST gaps and right after transitions, by Postgres\'s own rules', async () => {
      for (const zone of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
        const values = fc.sample(localTimestamp({ nullable: false, zones: [zone], edges: [] }), { numRuns: 400, seed: 7 }).filter((v) => v !== null && !v.includes('infinity'));
        const [row] = await database().query(
          `select count(*) filter (where (v at time zone $2) at time zone $2 <> v) as gaps,
                  count(*) filter (where (v at time zone $2) - ((v - interval '1 hour') at time zone $2) <> interval '1 hour'
                                     and (v at time zone $2) at time zone $2 = v) as after_transition
             from unnest(string_to_array($1, '|')::timestamp[]) v`, [values.join('|'), zone]);
        expect(Number(row!.gaps), `${zone}: local times inside a DST gap`).toBeGreaterThan(5);
        expect(Number(row!.after_transition), `${zone}: local times within an hour after a transition`).toBeGreaterThan(5);
      }
    });

    it('fails a backfill that is not idempotent, with a shrunk counterexample that replays from its seed and path', async () => {
      const dir = await scenarioVariant('01-split-full-name', {
        'scenario.yaml': smallTables,
        '04-backfill.sql': (sql) => sql.replace('set first_name = name_first(u.full_name)', "set first_name = name_first(u.full_name) || case when u.first_name is null then '' else '+' end"),
      });
      const report = await replay(dir);
      const failure = report.correct.failure!;
      expect(failure, 'the correct property failed').toBeDefined();
      expect(failure.message).toMatch(/the correct migration failed/);
      const { rows, writes } = failure.counterexample!;
      expect(rows.users!.length + writes.length + failure.counterexample!.afterSwitch.length, 'shrunk to one row, seeded or written').toBe(1);
      const again = await replay(dir, { seed: failure.seed, path: failure.path });
      expect(again.correct.failure?.counterexample).toEqual(failure.counterexample);
      expect(again.correct.failure?.message).toBe(failure.message);
    });

    it('fails a backfill that loses its place when killed mid-batch (progress in a sequence, which never rolls back)', async () => {
      const dir = await scenarioVariant('01-split-full-name', {
        '02-expand.sql': (sql) => `${sql}\ncreate sequence users_backfill_position;\n`,
        '04-backfill.sql': (sql) => sql
          .replace("select coalesce((select last_id from backfill_progress where job = 'users_name'), 0) as last_id", 'select case when is_called then last_value else 0 end as last_id from users_backfill_position')
          .replace(/saved as \([\s\S]*\)\s*select count\(\*\) as processed from batch/, "saved as (select setval('users_backfill_position', max(id)) from batch having count(*) > 0)\nselect (select count(*) from batch) as processed, (select count(*) from saved) as saved"),
        'scenario.yaml': (yaml) => smallTables(yaml).replace(`reset: "delete from backfill_progress where job = 'users_name'"`, `reset: "select setval('users_backfill_position', 1, false)"`),
      });
      const failure = (await replay(dir, { shrink: false })).correct.failure!;
      expect(failure, 'the correct property failed').toBeDefined();
      expect(failure.counterexample!.kill, 'the failing case killed a batch').not.toBeNull();
      expect(failure.message).toMatch(/users-name-backfilled|running the backfill again/);
    });

    it('fails a dual write that misses inserts (trigger on UPDATE only): rows inserted after the backfill passed stay empty', async () => {
      const dir = await scenarioVariant('01-split-full-name', {
        'scenario.yaml': smallTables,
        '03-dual-write.sql': (sql) => sql.replace('before insert or update of full_name on users', 'before update of full_name on users'),
      });
      const failure = (await replay(dir, { shrink: false })).correct.failure!;
      expect(failure, 'the correct property failed').toBeDefined();
      expect(failure.counterexample!.writes.some((w) => w.op === 0), 'the failing case inserts a row').toBe(true);
    });

    it('reports a mutation the checks miss — readable case, seed, path and the command — and replays it from them', async () => {
      const dir = await scenarioVariant('01-split-full-name', {
        'scenario.yaml': (yaml) => smallTables(yaml).replace(/mutations:[\s\S]*/, 'mutations:\n  - class: stale_writer\n    table: users\n    set: "full_name = coalesce(full_name, \'\') || \' Sr.\'"\n  - class: backfill_interrupted\n'),
        'checks.yaml': (yaml) => yaml.replace(/ {2}- id: users-name-parity[\s\S]*?(?= {2}- id: users-split-at-first-space)/, ''),
      });
      const scenario = await loadScenario(dir);
      const report = await replayScenario(scenario, database(), { runs: 10, seed: 99 });
      expect(report.ok, 'replay exits 1').toBe(false);
      expect(report.correct.failure).toBeUndefined();
      const printed = formatReport(report, scenario.spec, `parity replay ${dir}`);
      expect(printed).toMatch(/^stale_writer\s+MISSED\s/m);
      expect(printed).toMatch(/^backfill_interrupted\s+caught\s.*users-name-backfilled/m);
      expect(printed).toMatch(/✗ mutation stale_writer — counterexample after \d+ shrinks?\n {2}seed 99, path \S+/);
      expect(printed).toMatch(/ {2}case:\n {4}batch size \d+; .*\n {4}users: \d+ rows?/);
      expect(printed).toMatch(/ {4}outcome: missed\n {4}victim: users \{"id":"\d+"\}/);
      expect(printed).toMatch(/result: FAILED/);
      const reproduce = /reproduce: parity replay \S+ --seed 99 --path (\S+) --mutation stale_writer/.exec(printed);
      expect(reproduce, printed).not.toBeNull();
      const shrunk = JSON.parse(/case as JSON:\n\s+(.*)/.exec(printed)![1]!) as ReplayCase;

      const again = await replay(dir, { seed: 99, path: reproduce![1], mutation: 'stale_writer' });
      const replayed = again.mutations.find((m) => m.id === 'stale_writer')!.failure!;
      expect(replayed.counterexample).toEqual(shrunk);
      expect(replayed.message).toBe(report.mutations.find((m) => m.id === 'stale_writer')!.failure!.message);
    });

    it('gives a mutation that never changed the data its own extra cases, so no mutation goes untested', async () => {
      const dir = await scenarioVariant('01-split-full-name', { 'scenario.yaml': smallTables });
      const report = await replayScenario(await loadScenario(dir), database(), { runs: 2, seed: 5, mutationRate: 0, requireNamedKeys: true });
      expect(report.ok).toBe(true);
      for (const m of report.mutations) {
        // Mutations only unused checks catch are not tried where pg_stat_statements is missing (they never count as caught).
        if (m.needs && !report.unused.watched) expect({ id: m.id, effective: effective(m) }).toEqual({ id: m.id, effective: 0 });
        else expect(effective(m), m.id).toBeGreaterThan(0);
      }
    });

    describe('counterexamples found so far, kept as fixed cases', () => {
      const harnessFor = async (name: string) => createReplayHarness(await loadScenario(path.join(SCENARIOS_DIR, name)), database());
      const amounts = (rows: { amount: string | null; currency_code: string | null }[], extra: Partial<ReplayCase> = {}): ReplayCase => ({
        batchSize: 1, rows: { payments: rows }, writes: [], afterSwitch: [], kill: null, mutation: { choice: 0, at: 0, victim: 0 }, ...extra,
      });

      it('02: a huge amount survives the check (numeric division by 100.0 rounded it to 16 digits; the check multiplies by 0.01)', async () => {
        const harness = await harnessFor('02-amount-to-cents');
        const run = await harness.correct(amounts([{ amount: '10100102666301838.91', currency_code: 'EUR' }]));
        expect(correctRunProblems(run)).toEqual([]);
        await harness.close();
      });

      it('02: a stale write that pushes an amount past bigint cents is drift for the checks, not a broken step', async () => {
        const harness = await harnessFor('02-amount-to-cents');
        const verdict = await harness.mutate(amounts([{ amount: '92233720368547758.07', currency_code: 'EUR' }]), harness.mutation('stale_writer'));
        expect(verdict).toMatchObject({ outcome: 'caught', affected: [{ table: 'payments', key: { id: '1' } }] });
        expect(verdict.namedBy).toContain('payments-amount-parity');
        expect(verdict.note).toMatch(/bigint out of range/);
        await harness.close();
      });

      it('02: a write that bypassed the trigger, then healed by a later dual write, is no effect — not a miss', async () => {
        const harness = await harnessFor('02-amount-to-cents');
        const c = amounts([{ amount: '0.00', currency_code: 'EUR' }], { writes: [{ at: 1, op: 2, key: 0, values: { 'payments.currency_code': 'EUR' } }] });
        const verdict = await harness.mutate(c, harness.mutation('dual_write_bypassed'));
        expect(verdict.outcome).toBe('no_effect');
        await harness.close();
      });
    });
  });
}

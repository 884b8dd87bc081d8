/**
 * Three real `parity serve` processes share one Postgres state store, with checks scheduled every
 * few seconds for over a minute: every slot is claimed at most once and runs at most once — never
 * twice; skipped only while the check's previous run still executes, unclaimed only where a late tick
 * collapsed it into the next (at most two per check) — asserted from the store.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSchedule, nextSlotAfter, type Schedule } from '../../src/checkfile/cron.js';
import { rowsOf } from '../../src/store/async-commit.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { spawnServe, type ServeProcess } from '../support/serve-process.js';

const SCHEDULES = { 'every-2s': '*/2 * * * * *', 'every-3s': '*/3 * * * * *', 'every-5s': '*/5 * * * * *', 'slow-every-2s': '*/2 * * * * *' } as const;
/** Takes longer than its period on purpose, so the never-overlap rule must skip some of its slots. */
const SLOW_CHECK = 'slow-every-2s';
const OBSERVE_MS = 62_000;

const checksYaml = (url: string) => `
sources:
  app: { url: "${url}" }
checks:
  - id: every-2s
    kind: sql_assert
    source: app
    query: "select id from t where id < 0"
    schedule: "${SCHEDULES['every-2s']}"
  - id: every-3s
    kind: row_count
    old: { source: app, table: t }
    new: { source: app, table: t, where: "id is not null" }
    schedule: "${SCHEDULES['every-3s']}"
  - id: every-5s
    kind: null_check
    source: app
    table: t
    columns: [id]
    max_nulls: 0
    schedule: "${SCHEDULES['every-5s']}"
  - id: ${SLOW_CHECK}
    kind: sql_assert
    source: app
    query: "select id from t where id < (select 0 from pg_sleep(2.5))"
    schedule: "${SCHEDULES[SLOW_CHECK]}"
`;

/** Fire times strictly after `from` and at or before `to`. */
function slotsBetween(schedule: Schedule, from: Date, to: Date): string[] {
  const slots: string[] = [];
  for (let at = nextSlotAfter(schedule, from); at && at <= to; at = nextSlotAfter(schedule, at)) slots.push(at.toISOString());
  return slots;
}

describe.each(engines)('replicas on %s', (engine) => {
  if (engine === 'pglite') {
    // Embedded state cannot be shared: a second replica on the same data directory must refuse to start.
    it('refuses a second replica on the same embedded data directory', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'parity-replicas-'));
      const started: ServeProcess[] = [];
      try {
        await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n');
        const env = { PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data') };
        const first = spawnServe('replica-1', env);
        started.push(first);
        await first.ready;
        const second = spawnServe('replica-2', env);
        started.push(second);
        expect(await second.exited).toBe(2);
        expect(second.output()).toMatch(/data directory .* is in use by process \d+/);
        first.kill('SIGTERM');
        expect(await first.exited).toBe(0);
      } finally {
        for (const r of started) r.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    }, 120_000);
    return;
  }

  let verified: TestDatabase;
  let state: Awaited<ReturnType<typeof createTestStore>>;
  let dir: string;
  let replicas: ServeProcess[] = [];
  beforeAll(async () => {
    verified = await createTestDatabase('postgres');
    await verified.exec('create table t (id int primary key); insert into t select generate_series(1, 1000)');
    state = await createTestStore('postgres');
    dir = await mkdtemp(path.join(tmpdir(), 'parity-replicas-'));
    await writeFile(path.join(dir, 'checks.yaml'), checksYaml(verified.url));
  });
  afterAll(async () => {
    for (const r of replicas) r.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await state?.close();
    await verified?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs each slot at most once across three replicas for over a minute, skipping or missing one only where the schedule rules say', async () => {
    const env = { DATABASE_URL: state.url!, PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data') };
    replicas = ['replica-1', 'replica-2', 'replica-3'].map((id) => spawnServe(id, env));
    await Promise.all(replicas.map((r) => r.ready));
    const from = new Date();
    await new Promise((resolve) => setTimeout(resolve, OBSERVE_MS));
    const to = new Date();
    for (const r of replicas) r.kill('SIGTERM');
    expect(await Promise.all(replicas.map((r) => r.exited))).toEqual([0, 0, 0]);

    const claims = await state.store.listClaims();
    const results = await state.store.state.db.execute<{ check_id: string; slot: string; results: number; passes: number; runs: number }>(
      // Raw SQL on purpose: the assertion should not trust the store's own query helpers.
      sql`select check_id, slot, count(*)::int as results, count(*) filter (where status = 'pass')::int as passes,
        count(distinct run_id)::int as runs from parity.check_results where slot is not null group by check_id, slot`,
    );
    const rows = rowsOf<{ check_id: string; slot: Date | string; results: number; passes: number; runs: number }>(results);
    const bySlot = new Map(rows.map((r) => [`${r.check_id}@${new Date(r.slot).toISOString()}`, r]));
    // When each check's result was executing, per run: what a skipped slot must point at.
    const spans = rowsOf<{ run_id: string; check_id: string; started_at: Date | string; finished_at: Date | string | null }>(
      await state.store.state.db.execute(sql`select run_id, check_id, started_at, finished_at from parity.check_results`),
    );
    const spanOf = new Map(spans.map((r) => [`${r.check_id}@${r.run_id}`, r]));

    let ran = 0;
    let fastClaims = 0;
    let slowSkips = 0;
    for (const [checkId, expression] of Object.entries(SCHEDULES)) {
      const schedule = parseSchedule(expression) as Schedule;
      // Slots due after all replicas were up, and early enough to have finished before they stopped.
      const expected = slotsBetween(schedule, from, new Date(to.getTime() - 1_000));
      expect(expected.length).toBeGreaterThanOrEqual(Math.floor(OBSERVE_MS / 1000 / Number(/\d+/.exec(checkId)![0])) - 1);
      const claimed = claims.filter((c) => c.checkId === checkId && c.slot > from && c.slot.getTime() <= to.getTime() - 1_000);
      // Every slot claimed at most once, and only slots of the schedule. A tick that comes later than a
      // period (a loaded machine: the full suite beside three replicas) claims only the newest due slot,
      // by design (plan-slots.ts: missed slots collapse into one catch-up run, never a burst), so a rare
      // slot may go unclaimed; the rest must all be there.
      const slots = claimed.map((c) => c.slot.toISOString());
      expect(new Set(slots).size).toBe(slots.length);
      expect(slots.filter((slot) => !expected.includes(slot))).toEqual([]);
      expect(expected.length - slots.length, `${checkId}: unclaimed ${expected.filter((slot) => !slots.includes(slot)).join(', ')}`).toBeLessThanOrEqual(2);
      if (checkId !== SLOW_CHECK) fastClaims += claimed.length;
      for (const claim of claimed) {
        const slot = claim.slot.toISOString();
        if (claim.outcome === 'skipped') {
          // Never overlap is the rule: a slot may be skipped only while a run of the same check was
          // still executing at it (a slow machine makes that happen), and then nothing ran for it.
          const span = spanOf.get(`${checkId}@${claim.runId}`);
          expect(span, `${checkId}@${slot} skipped for run ${claim.runId}`).toBeDefined();
          expect(new Date(span!.started_at).getTime()).toBeLessThanOrEqual(claim.claimedAt.getTime());
          expect(span!.finished_at === null || new Date(span!.finished_at).getTime() >= claim.slot.getTime()).toBe(true);
          expect(bySlot.get(`${checkId}@${slot}`), `${checkId}@${slot}`).toBeUndefined();
          if (checkId === SLOW_CHECK) slowSkips++;
          continue;
        }
        expect({ slot, outcome: claim.outcome, ran: claim.runId !== null }).toEqual({ slot, outcome: 'ran', ran: true });
        expect(bySlot.get(`${checkId}@${slot}`), `${checkId}@${slot}`).toEqual(expect.objectContaining({ results: 1, passes: 1, runs: 1 }));
        if (checkId !== SLOW_CHECK) ran++;
      }
    }
    // The slow check overlapped its own next slot, and that slot was skipped, not run alongside.
    expect(slowSkips).toBeGreaterThan(0);
    // For the quick checks, skips are the exception a loaded machine may force, not the rule.
    expect(ran).toBeGreaterThanOrEqual(Math.ceil(fastClaims / 2));
    // No slot anywhere ran twice, including ones outside the window.
    expect(rows.filter((r) => r.results !== 1)).toEqual([]);
    // The work was shared, not done by one replica.
    const perReplica = Object.fromEntries([...new Set(claims.map((c) => c.claimedBy))].map((r) => [r, claims.filter((c) => c.claimedBy === r).length]));
    expect(Object.keys(perReplica).length).toBeGreaterThanOrEqual(2);
    console.info(`replicas: ${rows.length} scheduled results over ${Math.round((to.getTime() - from.getTime()) / 1000)}s, each slot once; claims per replica ${JSON.stringify(perReplica)}`);
  }, 240_000);
});

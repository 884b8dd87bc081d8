/**
 * Evidence judged on one clock (issue 12 §2): replicas' wall clocks — fast or slow — never decide
 * which result a gate judges or how old it is; the state store's clock does. Both engines.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateService } from '../../src/gate/gate-service.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import { createRunner } from '../../src/runner/runner.js';
import { systemClock, type Clock } from '../../src/runner/clock.js';
import { createLeaseGuard } from '../../src/runner/check-guard.js';
import type { Store } from '../../src/store/store.js';
import { storeClockFrom } from '../../src/store/store-clock.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { fakeClock } from '../support/fake-clock.js';
import { embeddedLookup } from '../support/embedded-now.js';

const YAML = `
checks:
  - id: toggle
    kind: sql_assert
    source: app
    query: "select id from toggle where bad"
migrations:
  - id: m
    phases: [{ name: go, requires: [toggle], max_age: 1h }]
`;
const skewed = (offsetMs: number): Clock => ({ ...systemClock, now: () => new Date(Date.now() + offsetMs) });
const HOUR = 3_600_000;

describe.each(engines)('evidence on one clock on %s', (engine) => {
  let db: TestDatabase;
  let state: Awaited<ReturnType<typeof createTestStore>>;
  let store: Store;
  const catalog = () => catalogFromYaml(YAML, { app: db });
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table toggle (id int primary key, bad boolean not null); insert into toggle values (1, false)');
    state = await createTestStore(engine);
    store = state.store;
  });
  afterAll(async () => {
    await state.close();
    await db.close();
  });

  const replica = (name: string, clock: Clock, pollMs = 20) => {
    const sources = registryForCatalog(catalog(), { app: db });
    return { sources, runner: createRunner({ store, sources, clock, instanceId: name, guard: createLeaseGuard(store, { holder: name, clock, pollMs }) }) };
  };
  const gateAt = (clock: Clock) => createGateService({ store, runner: replica('gate', clock).runner, catalog, clock, embeddedIdentity: embeddedLookup(db) });
  const setBad = (bad: boolean) => db.exec(`update toggle set bad = ${bad}`);
  const runOn = async (r: ReturnType<typeof replica>) => (await (await r.runner.start({ checks: [catalog().checks.get('toggle')!], trigger: 'api' })).finished).results[0]!.status;

  it('a fail from a replica whose clock runs slow, after a pass from one whose clock runs fast, denies', async () => {
    const fast = replica('fast', skewed(+HOUR / 2));
    const slow = replica('slow', skewed(-HOUR / 2));
    await setBad(false);
    expect(await runOn(fast)).toBe('pass');
    await setBad(true);
    expect(await runOn(slow)).toBe('fail');
    for (const gateClock of [skewed(0), skewed(+HOUR / 2), skewed(-HOUR / 2)]) {
      const verdict = await gateAt(gateClock).decide('m', 'go');
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual([expect.stringMatching(/^check "toggle" failed/)]);
    }
    await setBad(false);
    expect(await runOn(slow)).toBe('pass');
    expect((await gateAt(skewed(+HOUR * 5)).decide('m', 'go')).allowed).toBe(true);
    await Promise.all([fast.sources.closeAll(), slow.sources.closeAll()]);
  });

  it('judges the result that read last, not the one recorded first: a fail that waited for its lease is not hidden behind a pass', async () => {
    const patient = replica('patient', skewed(0), 4_000);
    const eager = replica('eager', skewed(0));
    await setBad(false);
    await store.acquireLease({ checkId: 'toggle', runId: 'blocker', holder: 'elsewhere', now: new Date(), ttlMs: 600_000 });
    // Recorded first (its row is written at once), but it reads only after the pass below.
    const late = await patient.runner.start({ checks: [catalog().checks.get('toggle')!], trigger: 'api' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await store.releaseLease('toggle', 'blocker');
    expect(await runOn(eager)).toBe('pass');
    await setBad(true);
    expect((await late.finished).results[0]!.status).toBe('fail');
    const verdict = await gateAt(skewed(0)).decide('m', 'go');
    expect(verdict.allowed).toBe(false);
    expect(verdict.reasons).toEqual([expect.stringMatching(/^check "toggle" failed/)]);
    await setBad(false);
    await Promise.all([patient.sources.closeAll(), eager.sources.closeAll()]);
  }, 30_000);

  it('measures max_age on the store\'s clock, whatever the gate replica\'s clock says', async () => {
    const storeTime = fakeClock(new Date(), 1);
    const timed = await createTestStore(engine, { clock: storeClockFrom(storeTime) });
    try {
      const sources = registryForCatalog(catalog(), { app: db });
      const runner = createRunner({ store: timed.store, sources, clock: skewed(0) });
      await setBad(false);
      await (await runner.start({ checks: [catalog().checks.get('toggle')!], trigger: 'api' })).finished;
      storeTime.advance(2 * HOUR);
      // A gate replica whose clock is two hours slow would have called this pass fresh.
      const slowGate = createGateService({ store: timed.store, runner, catalog, clock: skewed(-2 * HOUR), embeddedIdentity: embeddedLookup(db) });
      const verdict = await slowGate.decide('m', 'go');
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual([expect.stringMatching(/last passed 2h ago, older than max_age 1h/)]);
      await sources.closeAll();
    } finally {
      await timed.close();
    }
  });

  type Step = { result: number; event: 'start' | 'read' | 'finish' };
  interface Plan { statuses: ('pass' | 'fail' | 'error')[]; reads: boolean[]; finishes: boolean[]; order: number[]; skews: number[] }
  const planArb: fc.Arbitrary<Plan> = fc.integer({ min: 1, max: 4 }).chain((n) => fc.record({
    statuses: fc.array(fc.constantFrom<'pass' | 'fail' | 'error'>('pass', 'pass', 'fail', 'error'), { minLength: n, maxLength: n }),
    reads: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    finishes: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    // Priorities that interleave the results' events (each result's own events stay in order).
    order: fc.array(fc.nat(), { minLength: 3 * n, maxLength: 3 * n }),
    skews: fc.array(fc.integer({ min: -2 * HOUR, max: 2 * HOUR }), { minLength: n, maxLength: n }),
  }));

  /** The events in interleaved order; a pass always read, a result that never finishes never ends. */
  function schedule(plan: Plan): Step[] {
    const queues = plan.statuses.map((status, i) => [
      'start', ...(plan.reads[i] || status === 'pass' ? ['read'] : []), ...(plan.finishes[i] ? ['finish'] : []),
    ] as Step['event'][]);
    const steps: Step[] = [];
    let k = 0;
    while (queues.some((q) => q.length > 0)) {
      const live = queues.map((q, i) => (q.length > 0 ? i : -1)).filter((i) => i >= 0);
      const i = live[(plan.order[k++ % plan.order.length] ?? 0) % live.length]!;
      steps.push({ result: i, event: queues[i]!.shift()! });
    }
    return steps;
  }

  /** The verdict from the order events really happened in: the last reader is judged; a running result, or a non-pass that ended after it began, denies. */
  function oracle(plan: Plan, steps: Step[]): boolean {
    const at = (i: number, e: Step['event']) => steps.findIndex((s) => s.result === i && s.event === e);
    const began = (i: number) => Math.max(at(i, 'start'), at(i, 'read'));
    const judged = plan.statuses.map((_, i) => i).sort((a, b) => began(b) - began(a))[0]!;
    if (plan.statuses[judged] !== 'pass' || at(judged, 'finish') < 0) return false;
    // Every other result has finished (a running one's outcome is not known), and no non-pass ended after the judged one began reading.
    return plan.statuses.every((status, i) => i === judged || (at(i, 'finish') >= 0 && (status === 'pass' || at(i, 'finish') < began(judged))));
  }

  it('a fail stamped in the same instant as a pass began reading denies: the store cannot tell which came first', async () => {
    // One store clock that never moves: every stamp ties, as consecutive writes do within one tick of PGlite's millisecond clock.
    const frozen = await createTestStore(engine, { clock: storeClockFrom({ now: () => new Date('2030-01-01T00:00:00Z') }) });
    try {
      const checkId = `tie-${randomUUID()}`;
      const runId = randomUUID();
      await frozen.store.createRun({ id: runId, trigger: 'api', checkIds: [checkId], selector: {}, createdAt: new Date() });
      // The pass sorts last by id, so on the tie it is the judged one.
      const [failId, passId] = [randomUUID(), randomUUID()].sort();
      const finished = (status: 'pass' | 'fail') => ({ status, summary: status, observations: {}, statements: [], samples: [], finishedAt: new Date(), durationMs: 1, error: null });
      await frozen.store.startResult({ id: passId!, runId, checkId, kind: 'sql_assert', definitionHash: 'h' });
      await frozen.store.startResult({ id: failId!, runId, checkId, kind: 'sql_assert', definitionHash: 'h' });
      await frozen.store.markReading(failId!);
      await frozen.store.markReading(passId!);
      await frozen.store.finishResult(failId!, finished('fail'));
      await frozen.store.finishResult(passId!, finished('pass'));
      const { latest, now } = await frozen.store.gateEvidence([checkId]);
      expect(latest.get(checkId)).toMatchObject({ resultId: passId, laterNonPass: { resultId: failId, status: 'fail' } });
      const phase = { name: 'go', requires: [checkId], max_age: 24 * HOUR, require_earlier_phases: true };
      expect(evaluateGate({ migration: { id: 'tie', phases: [phase] }, name: 'go' }, latest, new Map([[checkId, { hash: 'h' }]]), now).allowed).toBe(false);
    } finally {
      await frozen.close();
    }
  });

  it('over any interleaving of results from replicas with skewed clocks, allows exactly when the evidence read last is an unopposed pass', async () => {
    const migration = { id: 'p', phases: [{ name: 'go', requires: ['prop'], max_age: 24 * HOUR, require_earlier_phases: true }] };
    await fc.assert(fc.asyncProperty(planArb, async (plan) => {
      const checkId = `prop-${randomUUID()}`;
      const runId = randomUUID();
      await store.createRun({ id: runId, trigger: 'api', checkIds: [checkId], selector: {}, createdAt: new Date(Date.now() + plan.skews[0]!) });
      const ids = plan.statuses.map(() => randomUUID());
      for (const step of schedule(plan)) {
        const id = ids[step.result]!;
        const replicaNow = new Date(Date.now() + plan.skews[step.result]!);
        // Steps a tick apart on the store's clock, so the order of events is the order of stamps
        // (ties deny by design, tested on their own above).
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (step.event === 'start') await store.startResult({ id, runId, checkId, kind: 'sql_assert', definitionHash: 'h' });
        if (step.event === 'read') await store.markReading(id);
        if (step.event === 'finish') {
          const status = plan.statuses[step.result]!;
          await store.finishResult(id, { status, summary: status, observations: {}, statements: [], samples: [], finishedAt: replicaNow, durationMs: 1, error: status === 'error' ? { code: 'timeout', message: 'slow' } : null });
        }
      }
      const { latest, now } = await store.gateEvidence([checkId]);
      const verdict = evaluateGate({ migration: { ...migration, phases: [{ ...migration.phases[0]!, requires: [checkId] }] }, name: 'go' }, latest, new Map([[checkId, { hash: 'h' }]]), now);
      expect(verdict.allowed).toBe(oracle(plan, schedule(plan)));
    }), { numRuns: engine === 'postgres' ? 40 : 60 });
  }, 120_000);
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { CheckBusyError, createLeaseGuard } from '../../src/runner/check-guard.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { systemClock } from '../../src/runner/clock.js';
import { fakeClock, type FakeClock } from '../support/fake-clock.js';

/** Moves a manual clock forward in steps, letting the store's I/O run between steps, until `work` settles. */
async function drive<T>(clock: FakeClock, work: Promise<T>, stepMs: number): Promise<T> {
  let settled = false;
  const watched = work.finally(() => { settled = true; });
  watched.catch(() => {});
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    clock.advance(stepMs);
  }
  return watched;
}

/** On PGlite pg_sleep does not sleep, so the slow check burns CPU there instead. */
const slowQuery = (engine: string) => engine === 'postgres'
  ? "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(0.4)::text) = 'never'"
  : "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or exists (select from generate_series(1, 400000) g where g < 0)";

const yaml = (engine: string) => `
checks:
  - id: slow
    kind: sql_assert
    source: app
    query: "${slowQuery(engine)}"
    schedule: "* * * * *"
`;

/** When the check actually executed, by the store's clock: from reading (after its lease was granted) to its outcome. */
const executionOf = (r: ResultRecord) => ({ start: r.readAt!.getTime(), end: r.finishedAt!.getTime() });

describe.each(engines)('check lease guard on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: yaml(engine), seedSql: 'select 1' });
  });
  afterAll(() => world.close());

  it('never lets on-demand and scheduled runs of a check overlap, on one replica or two', async () => {
    // Real time here: the execution windows are compared.
    world.clock.set(new Date());
    const realClock = systemClock;
    const check = world.catalog().checks.get('slow')!;
    const replica = (name: string) => createRunner({ store: world.store, sources: world.sources, clock: realClock, instanceId: name, guard: createLeaseGuard(world.store, { holder: name, clock: realClock, pollMs: 10 }) });
    const [a, b] = [replica('replica-a'), replica('replica-b')];
    const started = await Promise.all([
      a.start({ checks: [check], trigger: 'api' }),
      b.start({ checks: [check], trigger: 'schedule', slot: new Date() }),
      a.start({ checks: [check], trigger: 'gate' }),
      b.start({ checks: [check], trigger: 'cli' }),
    ]);
    const runs = await Promise.all(started.map((s) => s.finished));
    const windows = runs.map((r) => executionOf(r.results[0]!)).sort((x, y) => x.start - y.start);
    expect(runs.map((r) => r.results[0]!.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.start).toBeGreaterThanOrEqual(windows[i - 1]!.end);
    expect(await world.store.leaseOf('slow')).toBeUndefined();
  });

  it('takes over a lapsed lease at once, but waits for a live one', async () => {
    const now = world.clock.now();
    const guard = createLeaseGuard(world.store, { holder: 'replica-a', clock: world.clock, pollMs: 10, ttlMs: 30_000 });
    await world.store.acquireLease({ checkId: 'c1', runId: 'dead', holder: 'replica-dead', now: new Date(now.getTime() - 31_000), ttlMs: 30_000 });
    const lease = await guard.acquire({ checkId: 'c1', runId: 'r1', signal: new AbortController().signal });
    expect(await world.store.leaseOf('c1')).toMatchObject({ runId: 'r1', holder: 'replica-a' });

    let second = false;
    const waiting = guard.acquire({ checkId: 'c1', runId: 'r2', signal: new AbortController().signal }).then((l) => { second = true; return l; });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(second).toBe(false);
    await lease.release();
    const next = await waiting;
    expect(await world.store.leaseOf('c1')).toMatchObject({ runId: 'r2' });
    await next.release();
  });

  it('gives up after waitMs of clock time with a busy error naming the run that holds the check', async () => {
    const clock = fakeClock(world.clock.now(), 0, { timers: 'manual' });
    const guard = createLeaseGuard(world.store, { holder: 'replica-a', clock, pollMs: 10, waitMs: 5 * 60_000 });
    const held = await guard.acquire({ checkId: 'c2', runId: 'holder-run', signal: new AbortController().signal });
    // Five minutes of waiting pass on the clock in a few real milliseconds.
    const error = await drive(clock, guard.acquire({ checkId: 'c2', runId: 'r3', signal: new AbortController().signal }), 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckBusyError);
    expect(error).toMatchObject({ code: 'busy', message: expect.stringMatching(/^check "c2" is already executing \(run holder-run\); waited \d+s/) });
    await held.release();
  });

  it('records a run that could not get its turn as error, never pass', async () => {
    const check = world.catalog().checks.get('slow')!;
    await world.store.acquireLease({ checkId: 'slow', runId: 'stuck-run', holder: 'replica-z', now: world.clock.now(), ttlMs: 600_000 });
    const clock = fakeClock(world.clock.now(), 0, { timers: 'manual' });
    const runner = createRunner({ store: world.store, sources: world.sources, clock, guard: createLeaseGuard(world.store, { holder: 'x', clock, pollMs: 10, waitMs: 60_000 }) });
    const { finished } = await runner.start({ checks: [check], trigger: 'api' });
    const run = await drive(clock, finished, 1_000);
    expect(run.results[0]).toMatchObject({ status: 'error', error: { code: 'busy' } });
    await world.store.releaseLease('slow', 'stuck-run');
  });

  it('renews a held lease on the clock\'s schedule, so a long check keeps it however far time moves', async () => {
    const clock = fakeClock(world.clock.now(), 0, { timers: 'manual' });
    const guard = createLeaseGuard(world.store, { holder: 'replica-a', clock, ttlMs: 30_000 });
    const lease = await guard.acquire({ checkId: 'c5', runId: 'r5', signal: new AbortController().signal });
    const expiresAt = async () => (await world.store.leaseOf('c5'))!.expiresAt.getTime();
    // Twenty minutes of clock time in 10 s steps (each leaving the store time to answer): the renewal
    // (every ttl/3) keeps the lease ahead of the clock, many TTLs past where it would have lapsed.
    for (let i = 0; i < 120; i++) {
      clock.advance(10_000);
      await new Promise((resolve) => setTimeout(resolve, 15));
      if (i % 30 === 29) await expect.poll(expiresAt).toBeGreaterThan(clock.now().getTime());
    }
    expect(lease.signal.aborted).toBe(false);
    await lease.release();
  });

  it('aborts the execution when the lease is lost to another holder', async () => {
    const guard = createLeaseGuard(world.store, { holder: 'replica-a', clock: world.clock, pollMs: 10, ttlMs: 90 });
    const lease = await guard.acquire({ checkId: 'c3', runId: 'r4', signal: new AbortController().signal });
    // The reaper (or a replica that judged this one dead) dropped the lease and someone else took it.
    await world.store.releaseLease('c3', 'r4');
    await world.store.acquireLease({ checkId: 'c3', runId: 'usurper', holder: 'replica-b', now: world.clock.now(), ttlMs: 60_000 });
    // A renewal may already have noticed the loss while the usurper took the lease: then the abort
    // event has fired, and waiting for it would hang until the test timeout.
    if (!lease.signal.aborted) await new Promise<void>((resolve) => lease.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(lease.signal.reason).toMatchObject({ name: 'LeaseLostError', code: 'lease_lost' });
    await lease.release();
    expect(await world.store.leaseOf('c3')).toMatchObject({ runId: 'usurper' });
  });
});

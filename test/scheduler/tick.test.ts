import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTickState, runSchedulerTick, type TickDeps } from '../../src/scheduler/tick.js';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';

const YAML = `
checks:
  - id: every-3s
    kind: sql_assert
    source: app
    query: "select id from broken"
    schedule: "*/3 * * * * *"
  - id: hourly
    kind: row_count
    old: { source: app, table: broken }
    new: { source: app, table: broken, where: "id is not null" }
    schedule: "0 * * * *"
  - id: on-demand-only
    kind: sql_assert
    source: app
    query: "select 1 from pg_namespace where nspname = 'parity_never'"
migrations:
  - id: m
    phases:
      - name: go
        requires: [every-3s]
`;

const at = (iso: string) => new Date(`2025-06-01T${iso}Z`);

describe.each(engines)('scheduler tick on %s', (engine) => {
  let world: GateWorld;
  let replicas: { deps: TickDeps; state: ReturnType<typeof createTickState> }[];
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: 'create table broken (id int)' });
    replicas = ['replica-a', 'replica-b', 'replica-c'].map((instanceId) => ({
      deps: { store: world.store, runner: world.runnerFor(instanceId), catalog: world.catalog, instanceId },
      state: createTickState(),
    }));
  });
  afterAll(() => world.close());

  const tickAll = async (now: Date) => (await Promise.all(replicas.map((r) => runSchedulerTick(r.deps, r.state, now)))).flat();
  const settle = async () => Promise.all(replicas.flatMap((r) => [...r.state.pending]));

  it('runs each due slot on exactly one of the replicas ticking at the same instant', async () => {
    world.clock.set(at('10:00:04.100'));
    const actions = await tickAll(at('10:00:04.100'));
    await settle();
    const started = actions.filter((a) => a.action === 'started');
    expect(started.map((a) => [a.checkId, a.slot.toISOString()]).sort()).toEqual([
      ['every-3s', '2025-06-01T10:00:03.000Z'],
      ['hourly', '2025-06-01T10:00:00.000Z'],
    ]);
    expect(actions.filter((a) => a.action === 'taken')).toHaveLength(4);
    const claims = await world.store.listClaims({ since: at('10:00:00') });
    expect(claims.map((c) => [c.checkId, c.slot.toISOString(), c.outcome, c.runId !== null])).toEqual([
      ['hourly', '2025-06-01T10:00:00.000Z', 'ran', true],
      ['every-3s', '2025-06-01T10:00:03.000Z', 'ran', true],
    ]);
    const results = await world.store.checkHistory('every-3s', 10);
    expect(results.map((r) => [r.slot?.toISOString(), r.status])).toEqual([['2025-06-01T10:00:03.000Z', 'pass']]);
    const run = await world.store.getRun(claims[1]!.runId!);
    expect(run).toMatchObject({ trigger: 'schedule', owner: claims[1]!.claimedBy, requestedBy: `scheduler:${claims[1]!.claimedBy}` });
  });

  it('does nothing more until the next slot comes', async () => {
    expect(await tickAll(at('10:00:05.999'))).toEqual([]);
    const next = await tickAll(at('10:00:06.001'));
    await settle();
    expect(next.filter((a) => a.action === 'started').map((a) => a.checkId)).toEqual(['every-3s']);
  });

  it('after downtime runs one catch-up slot per check, not the missed ones', async () => {
    world.clock.set(at('13:30:01'));
    const actions = await tickAll(at('13:30:01'));
    await settle();
    expect(actions.filter((a) => a.action === 'started').map((a) => `${a.checkId}@${a.slot.toISOString()}`).sort()).toEqual([
      'every-3s@2025-06-01T13:30:00.000Z',
      'hourly@2025-06-01T13:00:00.000Z',
    ]);
    const claims = await world.store.listClaims({ checkIds: ['every-3s'], since: at('10:00:06.001') });
    expect(claims.map((c) => c.slot.toISOString())).toEqual(['2025-06-01T13:30:00.000Z']);
  });

  it('skips a slot while the check is still executing elsewhere, recording why', async () => {
    world.clock.set(at('14:00:00.500'));
    expect(await world.store.acquireLease({ checkId: 'every-3s', runId: 'long-run', holder: 'replica-z', now: at('14:00:00.400'), ttlMs: 30_000 })).toBe(true);
    const actions = await tickAll(at('14:00:00.500'));
    expect(actions.find((a) => a.checkId === 'every-3s' && a.action !== 'taken')).toMatchObject({ action: 'skipped', detail: 'still executing in run long-run' });
    expect(await world.store.claimOf('every-3s', at('14:00:00'))).toMatchObject({ outcome: 'skipped', runId: 'long-run' });
    await world.store.releaseLease('every-3s', 'long-run');
    await settle();
  });

  it('aborts a dead replica\'s run (never a pass), denies the gate, then lets the slot be claimed again', async () => {
    const now = at('15:00:01');
    world.clock.set(now);
    const slot = at('15:00:00');
    const check = world.catalog().checks.get('every-3s')!;
    // A replica claims the slot, starts the run and dies: no more heartbeats, its lease lapses unrenewed.
    expect(await world.store.claimSlot({ checkId: check.spec.id, slot, claimedBy: 'replica-dead', claimedAt: now })).toBe(true);
    await world.store.createRun({ id: 'dead-run', trigger: 'schedule', checkIds: [check.spec.id], selector: {}, createdAt: now });
    await world.store.startRun('dead-run', 'replica-dead', now);
    await world.store.updateClaim(check.spec.id, slot, 'replica-dead', { runId: 'dead-run' });
    await world.store.startResult({ id: 'dead-result', runId: 'dead-run', checkId: check.spec.id, kind: check.spec.kind, definitionHash: check.hash, slot });
    expect(await world.store.acquireLease({ checkId: check.spec.id, runId: 'dead-run', holder: 'replica-dead', now, ttlMs: 30_000 })).toBe(true);

    expect((await world.gates.decide('m', 'go')).reasons).toEqual([expect.stringMatching(/^check "every-3s" is running \(result dead-result/)]);
    expect(await world.store.abortDeadRuns(at('15:00:30'), 45_000)).toEqual({ runIds: [], resultIds: [] });
    expect(await world.store.abortDeadRuns(at('15:00:47'), 45_000)).toEqual({ runIds: ['dead-run'], resultIds: ['dead-result'] });
    expect(await world.store.abortDeadRuns(at('15:00:48'), 45_000)).toEqual({ runIds: [], resultIds: [] });

    expect((await world.store.getRun('dead-run'))!.status).toBe('aborted');
    expect(await world.store.getResult('dead-result')).toMatchObject({ status: 'error', error: { code: 'aborted' } });
    expect(await world.store.leaseOf(check.spec.id)).toBeUndefined();
    expect(await world.store.claimOf(check.spec.id, slot)).toMatchObject({ outcome: 'aborted' });
    world.clock.set(at('15:00:47'));
    const denied = await world.gates.decide('m', 'go');
    expect(denied.reasons).toEqual([expect.stringMatching(/^check "every-3s" could not verify: aborted: the replica running this check stopped heartbeating$/)]);

    // The slot is claimable again while it is the due one: exactly one live replica takes it.
    const actions = await tickAll(at('15:00:02'));
    await settle();
    const retaken = actions.filter((a) => a.checkId === 'every-3s' && a.action === 'started');
    expect(retaken).toHaveLength(1);
    expect(await world.store.claimOf(check.spec.id, slot)).toMatchObject({ outcome: 'ran', claimedBy: expect.stringMatching(/^replica-[abc]$/) });
    world.clock.set(at('15:00:48'));
    expect((await world.gates.decide('m', 'go')).allowed).toBe(true);
  });

  it('reopens a claim whose claimer died before starting its run', async () => {
    const slot = at('16:00:00');
    await world.store.claimSlot({ checkId: 'hourly', slot, claimedBy: 'replica-dead', claimedAt: at('16:00:00.010') });
    await world.store.abortDeadRuns(at('16:00:30'), 45_000);
    expect((await world.store.claimOf('hourly', slot))!.outcome).toBe('claimed');
    await world.store.abortDeadRuns(at('16:01:00'), 45_000);
    expect((await world.store.claimOf('hourly', slot))!.outcome).toBe('aborted');
  });
});

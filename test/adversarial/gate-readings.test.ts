/**
 * Every reading of "may this phase start?" outside a gate answer must be the gate's own verdict.
 * The Prometheus gauge `parity_gate_allowed` is read by dashboards, by the ParityGateDenied alert
 * and by rollout tools that gate on a Prometheus query (Argo Rollouts' prometheus metric provider,
 * `successCondition: result[0] == 1`): a gauge that says 1 while the gate denies is a wrong allow
 * for them. These cases are the gate's newer rules the gauge once judged without — identity of
 * the server a source reaches, source settings outside the hash, check files that no longer load,
 * a phase that no longer exists, and a re-run whose outcome is not known yet.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GateUnavailableError, UnknownPhaseError } from '../../src/gate/gate-errors.js';
import type { ServerIdentity } from '../../src/results/server-identity.js';
import { gateStateOf, readGateStates } from '../../src/telemetry/gate-states.js';
import { engines } from '../support/databases.js';
import { createWorld, holdWorldDatabase, startParity, type Parity, type World } from '../telemetry/support.js';

const CHECKS = `
checks:
  - { id: users-have-name, kind: sql_assert, source: app, query: "select id from users where first_name is null" }
  - { id: legacy-has-rows, kind: sql_assert, source: app, query: "select 1 where not exists (select 1 from users_legacy)" }
migrations:
  - id: users-split-name
    phases:
      - name: switch-reads
        requires: [users-have-name]
        max_age: 1h
`;

const GATE = ['users-split-name', 'switch-reads'] as const;

describe.each(engines)('parity_gate_allowed reads the gate\'s own verdict, on %s', (engine) => {
  let world: World | undefined;
  let parity: Parity | undefined;
  afterEach(async () => {
    await parity?.stop();
    await world?.close();
    parity = undefined;
    world = undefined;
  });

  async function start(): Promise<{ world: World; parity: Parity }> {
    // A held table must make a re-run wait, not time out.
    world = await createWorld(engine, { checks: CHECKS, appOptions: 'lock_timeout: 60s' });
    parity = await startParity(world);
    return { world, parity };
  }

  /** The gauge, after the telemetry caught up with the store. */
  async function gauge(p: Parity): Promise<number | undefined> {
    await p.telemetry.refresh();
    return (await p.scrape()).value('parity_gate_allowed', { migration: GATE[0], phase: GATE[1] });
  }

  /** The gate's answer: true, false, or 'unavailable' / 'unknown' when there is none to give. */
  async function answer(p: Parity): Promise<boolean | 'unavailable' | 'unknown'> {
    try {
      return (await p.service.gates.decide(...GATE, { requestedBy: 'test' })).allowed;
    } catch (error) {
      if (error instanceof GateUnavailableError) return 'unavailable';
      if (error instanceof UnknownPhaseError) return 'unknown';
      throw error;
    }
  }

  async function run(p: Parity, ids: string[]) {
    const response = await p.request('POST', '/v1/runs?wait=true', { body: { ids } });
    expect(response.status).toBe(200);
  }

  /** A pass of `checkId` under its current definition that read `app` as `server` (none: no record). */
  async function recordPass(w: World, p: Parity, checkId: string, server: ServerIdentity | undefined) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await w.store.createRun({ id: runId, trigger: 'cli', checkIds: [checkId], selector: {}, createdAt: new Date() });
    await w.store.startResult({ id: resultId, runId, checkId, kind: 'sql_assert', definitionHash: p.service.catalog().checks.get(checkId)!.hash });
    await w.store.markReading(resultId);
    await w.store.finishResult(resultId, {
      status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
      servers: server ? { app: server } : {}, finishedAt: new Date(), durationMs: 1, samples: [],
    });
    await w.store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, new Date());
  }

  async function rewriteChecks(w: World, edit: (text: string) => string) {
    const file = path.join(w.checksDir, 'checks.yaml');
    await writeFile(file, edit(await readFile(file, 'utf8')));
  }

  it('reads 0 once another check read the source as another server (server_changed)', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    expect(await answer(p)).toBe(true);
    expect(await gauge(p)).toBe(1);
    const [read] = await w.store.checkHistory('users-have-name', 1);
    await recordPass(w, p, 'legacy-has-rows', { ...read!.servers.app!, system_identifier: '7000000000000000001' });
    expect(await answer(p)).toBe(false);
    expect(await gauge(p)).toBe(0);
  });

  it('reads 0 for a pass that recorded no server (no_server_identity)', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    await recordPass(w, p, 'users-have-name', undefined);
    expect(await answer(p)).toBe(false);
    expect(await gauge(p)).toBe(0);
  });

  it('reads 0 once the source requires least privilege and the pass was read by a role that may write', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    expect(await gauge(p)).toBe(1);
    // The test role is a superuser on both engines; the setting is outside every definition hash.
    await rewriteChecks(w, (text) => text.replace('app: { url: ', 'app: { require_least_privilege: true, url: '));
    expect(await answer(p)).toBe(false);
    expect(await gauge(p)).toBe(0);
  });

  it('reads 0 while the check files on disk do not load (the gate cannot be evaluated)', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    expect(await gauge(p)).toBe(1);
    await writeFile(path.join(w.checksDir, 'broken.yaml'), 'checks:\n  - { id: oops, kind: no_such_kind }\n');
    expect(await answer(p)).toBe('unavailable');
    expect(await gauge(p)).toBe(0);
  });

  it('does not keep reading 1 for a phase the check files no longer declare', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    expect(await gauge(p)).toBe(1);
    await rewriteChecks(w, (text) => text.replace('name: switch-reads', 'name: switch-reads-v2'));
    expect(await answer(p)).toBe('unknown');
    // The exporter repeats a series it is no longer told about: it must be told "not allowed".
    expect(await gauge(p)).toBe(0);
  });

  it('reads 0 while the state store cannot record a decision (a gate answer would be 503)', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    expect(await gauge(p)).toBe(1);
    // Reads work, writes of decisions fail: a full disk, a revoked grant, a store turned read-only.
    await w.store.state.raw.transaction(async (exec) => {
      await exec(`create function parity.refuse_decisions() returns trigger language plpgsql as $$ begin raise exception 'could not extend file: No space left on device'; end $$`);
      await exec('create trigger refuse_decisions before insert on parity.gate_decisions for each row execute function parity.refuse_decisions()');
    });
    expect(await answer(p)).toBe('unavailable');
    expect(await gauge(p)).toBe(0);
    // The preview that every other reader of "allowed" uses says so too.
    const response = await p.request('GET', `/v1/migrations/${GATE[0]}`);
    const body = await response.json() as { migration: { gates: { phase: string; allowed: boolean; reasons: string[] }[] } };
    const gate = body.migration.gates.find((g) => g.phase === GATE[1])!;
    expect(gate.allowed).toBe(false);
    expect(gate.reasons.join(' ')).toMatch(/could not record/);
    await w.store.state.raw.transaction(async (exec) => {
      await exec('drop trigger refuse_decisions on parity.gate_decisions');
    });
    expect(await answer(p)).toBe(true);
    expect(await gauge(p)).toBe(1);
  });

  it('reads 0 while a required check is running again (its outcome is not known yet), marked as awaiting', async () => {
    const { world: w, parity: p } = await start();
    await run(p, ['users-have-name']);
    expect(await gauge(p)).toBe(1);
    const release = await holdWorldDatabase(w.db);
    let finished: Promise<Response> | undefined;
    try {
      finished = Promise.resolve(p.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-have-name'] } }));
      // Wait until the re-run is reading (its result row is running).
      for (let i = 0; i < 200; i++) {
        const [newest] = await w.store.checkHistory('users-have-name', 1);
        if (newest?.status === 'running' && newest.readAt) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await answer(p)).toBe(false);
      expect(await gauge(p)).toBe(0);
      // What the ParityGateDenied alert needs to tell a pending re-run from a denial.
      expect((await p.scrape()).value('parity_gate_awaiting_outcome', { migration: GATE[0], phase: GATE[1] })).toBe(1);
    } finally {
      await release();
      await finished;
    }
    expect(await answer(p)).toBe(true);
    expect(await gauge(p)).toBe(1);
    expect((await p.scrape()).value('parity_gate_awaiting_outcome', { migration: GATE[0], phase: GATE[1] })).toBe(0);
  });
});

describe('the gauges read "not allowed" whenever the gate gives no allowing answer', () => {
  const PHASES = () => [{ migration: 'm', phase: 'go' }];
  const pass = { id: 'c', status: 'pass', result_id: 'r', finished_at: null, age_s: 1, max_age_s: 3600, required_by: ['go'], reason: null, denial: null };
  const allowed = { migration: 'm', phase: 'go', allowed: true, evaluated_at: new Date(0).toISOString(), checks: [pass], reasons: [] };

  it('reads 1 only for an allowing verdict', async () => {
    expect(await readGateStates(PHASES, async () => allowed)).toEqual([{ migration: 'm', phase: 'go', allowed: true, awaiting: false }]);
  });

  it('reads 0 when the store cannot be read (the gate could not be evaluated)', async () => {
    expect(await readGateStates(PHASES, async () => { throw new Error('connection refused'); })).toEqual([{ migration: 'm', phase: 'go', allowed: false, awaiting: false }]);
  });

  it('reads 0 when the answer does not come in time (a scrape does not wait on a hung store)', async () => {
    expect(await readGateStates(PHASES, () => new Promise(() => {}), { timeoutMs: 20 })).toEqual([{ migration: 'm', phase: 'go', allowed: false, awaiting: false }]);
  });

  it('reads 0 when bringing the catalog up to date hangs (a hung file system)', async () => {
    expect(await readGateStates(PHASES, async () => allowed, { prepare: () => new Promise(() => {}), timeoutMs: 20 })).toEqual([{ migration: 'm', phase: 'go', allowed: false, awaiting: false }]);
  });

  it('reads 0 for an answer that contradicts itself or is about another gate', async () => {
    const against = { ...pass, reason: 'check "c" failed', denial: 'failed' as const };
    for (const verdict of [
      { ...allowed, checks: [] },
      { ...allowed, checks: [against] },
      { ...allowed, reasons: ['the check files on disk do not load'] },
      { ...allowed, phase: 'other' },
    ]) {
      expect((await readGateStates(PHASES, async () => verdict))[0]!.allowed).toBe(false);
    }
    // A reason of the answer's own (files that do not load) is not a re-run awaited.
    const running = { ...pass, status: 'running', reason: 'check "c" is running', denial: 'running' as const };
    expect(gateStateOf({ ...allowed, allowed: false, checks: [running], reasons: [running.reason] }).awaiting).toBe(true);
    expect(gateStateOf({ ...allowed, allowed: false, checks: [running], reasons: ['the check files on disk do not load', running.reason] }).awaiting).toBe(false);
  });
});

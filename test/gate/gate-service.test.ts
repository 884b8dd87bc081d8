import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateUnavailableError, UnknownMigrationError, UnknownPhaseError } from '../../src/gate/gate-errors.js';
import { createGateService } from '../../src/gate/gate-service.js';
import { createTestStore, engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { embeddedLookup } from '../support/embedded-now.js';

/** Expand done: the new columns exist but nothing is backfilled yet. */
export const SEED = `
  create table users (id int primary key, full_name text, first_name text, last_name text);
  insert into users (id, full_name) select g, 'First' || g || ' Last' || g from generate_series(1, 300) g;
  insert into users (id, full_name) values (301, null);
`;

export const YAML = `
checks:
  - id: users-name-backfilled
    kind: null_check
    source: app
    table: public.users
    columns: [first_name, last_name]
    where: "full_name is not null"
    max_nulls: 0
  - id: users-name-parity
    kind: column_parity
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    max_mismatches: 0
  - id: old-column-unused
    kind: sql_assert
    source: app
    query: "select id from users where full_name is not null and first_name is null"
migrations:
  - id: users-split-name
    phases:
      - name: switch-reads
        requires: [users-name-backfilled, users-name-parity]
        max_age: 1h
      - name: contract
        requires: [old-column-unused]
        max_age: 15m
`;

/** A correct backfill, so each test can start from "switch-reads may go ahead". */
const BACKFILL = `update users set first_name = substr(full_name, 1, strpos(full_name, ' ') - 1), last_name = substr(full_name, strpos(full_name, ' ') + 1) where full_name is not null`;

describe.each(engines)('gate service on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: SEED });
  });
  afterAll(() => world.close());

  it('expand → backfill → denied with reasons → fix → allowed, recording every decision', async () => {
    await world.db.exec('update users set first_name = null, last_name = null');
    const before = await world.gates.decide('users-split-name', 'switch-reads', { requestedBy: 'ci' });
    expect(before).toMatchObject({ allowed: false, refreshed: false, evaluated: true, requested_by: 'ci' });
    expect(before.reasons).toEqual(['check "users-name-backfilled" has no result yet', 'check "users-name-parity" has no result yet']);

    // A backfill with a bug: multi-part surnames are split at the wrong space.
    await world.db.exec(`update users set first_name = split_part(full_name, ' ', 1), last_name = split_part(full_name, ' ', 2) where full_name is not null`);
    await world.db.exec(`update users set full_name = 'Anne Marie Smith' where id = 17`);
    const denied = await world.gates.decide('users-split-name', 'switch-reads', { refresh: true, requestedBy: 'ci' });
    expect(denied).toMatchObject({ allowed: false, refreshed: true, run_id: expect.any(String) });
    expect(denied.reasons).toEqual([expect.stringMatching(/^check "users-name-parity" failed: /)]);
    expect(denied.checks.map((c) => [c.id, c.status, c.reason === null])).toEqual([
      ['users-name-backfilled', 'pass', true],
      ['users-name-parity', 'fail', false],
    ]);

    await world.db.exec(`update users set first_name = 'Anne Marie', last_name = 'Smith' where id = 17`);
    const allowed = await world.gates.decide('users-split-name', 'switch-reads', { refresh: true, requestedBy: 'ci' });
    expect(allowed).toMatchObject({ allowed: true, reasons: [], evaluated: true });
    expect(allowed.checks.every((c) => c.status === 'pass' && c.age_s === 0)).toBe(true);

    const recorded = await world.gates.decisions('users-split-name', { limit: 10 });
    expect(recorded.map((d) => [d.allowed, d.requestedBy])).toEqual([[true, 'ci'], [false, 'ci'], [false, 'ci']]);
    expect(recorded[1]!.reasons).toEqual(denied.reasons);
    expect(world.decisions.map((d) => d.id)).toEqual(recorded.map((d) => d.id).reverse());
  });

  it('inherits the earlier phase and denies when a result goes stale', async () => {
    await world.db.exec(BACKFILL);
    const contract = await world.gates.decide('users-split-name', 'contract', { refresh: true });
    expect(contract.checks.map((c) => c.id)).toEqual(['users-name-backfilled', 'users-name-parity', 'old-column-unused']);
    expect(contract.allowed).toBe(true);
    world.clock.advance(16 * 60_000);
    const stale = await world.gates.decide('users-split-name', 'contract');
    expect(stale.allowed).toBe(false);
    expect(stale.reasons).toEqual([
      'check "users-name-backfilled" last passed 16m ago, older than max_age 15m',
      'check "users-name-parity" last passed 16m ago, older than max_age 15m',
      'check "old-column-unused" last passed 16m ago, older than max_age 15m',
    ]);
    // switch-reads alone allows an hour.
    expect((await world.gates.decide('users-split-name', 'switch-reads')).allowed).toBe(true);
  });

  it('denies while a required check is running, then judges the new result', async () => {
    await world.db.exec(BACKFILL);
    await world.gates.decide('users-split-name', 'switch-reads', { refresh: true });
    const check = world.catalog().checks.get('users-name-parity')!;
    const run = await world.store.createRun({ id: 'manual-running-run', trigger: 'api', checkIds: [check.spec.id], selector: {}, createdAt: world.clock.now() });
    await world.store.startRun(run.id, 'replica-b', world.clock.now());
    world.clock.advance(1);
    await world.store.startResult({ id: 'running-result', runId: run.id, checkId: check.spec.id, kind: check.spec.kind, definitionHash: check.hash });
    const verdict = await world.gates.decide('users-split-name', 'switch-reads');
    expect(verdict.allowed).toBe(false);
    expect(verdict.checks[1]).toMatchObject({ status: 'running', result_id: 'running-result', reason: expect.stringMatching(/is running/) });
    // A pass as a replica records it: with the server it read (the one the refresh read).
    const { servers } = (await world.store.checkHistory(check.spec.id, 2)).find((r) => r.status === 'pass')!;
    await world.store.finishResult('running-result', { status: 'pass', summary: 'ok', observations: {}, statements: [], samples: [], servers, finishedAt: world.clock.now(), durationMs: 1 });
    expect((await world.gates.decide('users-split-name', 'switch-reads')).allowed).toBe(true);
  });

  it('denies a pass produced by an older definition of the check', async () => {
    await world.db.exec(BACKFILL);
    await world.gates.decide('users-split-name', 'switch-reads', { refresh: true });
    world.setYaml(YAML.replace('max_mismatches: 0', 'max_mismatches: 0\n    normalize: [trim]'));
    try {
      const verdict = await world.gates.decide('users-split-name', 'switch-reads');
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual([expect.stringMatching(/^check "users-name-parity" last passed under another definition \(\w{8}, now \w{8}: the check, the target of a source it reads, or the version of parity changed since\); run it again$/)]);
      expect((await world.gates.decide('users-split-name', 'switch-reads', { refresh: true })).reasons).toEqual([]);
    } finally {
      world.setYaml(YAML);
    }
  });

  it('previews a verdict without recording it', async () => {
    const count = (await world.gates.decisions('users-split-name', { limit: 1000 })).length;
    const preview = await world.gates.preview('users-split-name', 'contract');
    expect(preview).toMatchObject({ migration: 'users-split-name', phase: 'contract' });
    expect((await world.gates.decisions('users-split-name', { limit: 1000 })).length).toBe(count);
    expect((await world.gates.decisions('users-split-name', { limit: 1000, phase: 'contract' })).every((d) => d.phase === 'contract')).toBe(true);
  });

  it('rejects an unknown migration or phase, naming what exists', async () => {
    await expect(world.gates.decide('nope', 'contract')).rejects.toThrow(UnknownMigrationError);
    await expect(world.gates.decide('users-split-name', 'nope')).rejects.toThrow(new UnknownPhaseError('users-split-name', 'nope', ['switch-reads', 'contract']).message);
  });

  /** The check files with one more check, `users-extra`; and with switch-reads requiring it. */
  const withExtraCheck = (yaml: string) => yaml.replace('migrations:', `  - id: users-extra\n    kind: sql_assert\n    source: app\n    query: "select id from users where id < 0"\nmigrations:`);
  const requiringExtra = (yaml: string) => yaml.replace('requires: [users-name-backfilled, users-name-parity]', 'requires: [users-name-backfilled, users-name-parity, users-extra]');

  /** A gate service whose refresh runs start normally, then the check files change to `edited` (a reload mid-refresh). */
  function gatesEditingFilesTo(edited: string) {
    const editingRunner = {
      async start(request: Parameters<GateWorld['runner']['start']>[0]) {
        const started = await world.runner.start(request);
        world.setYaml(edited);
        return started;
      },
    };
    return createGateService({ store: world.store, runner: editingRunner, catalog: () => world.catalog(), clock: world.clock, embeddedIdentity: embeddedLookup(world.db) });
  }

  it('judges a refresh by the phase as the files declare it when it answers, not as when it was asked', async () => {
    // The files change while the refresh runs (the watcher reloads the catalog): the phase now also
    // requires a check that has never run. Requirements and definitions must come from one catalog.
    await world.db.exec(BACKFILL);
    const edited = requiringExtra(withExtraCheck(YAML));
    const gates = gatesEditingFilesTo(edited);
    try {
      const decision = await gates.decide('users-split-name', 'switch-reads', { refresh: true });
      expect(decision.allowed).toBe(false);
      expect(decision.reasons).toEqual(['check "users-extra" has no result yet']);
    } finally {
      world.setYaml(YAML);
      await gates.close();
    }
  });

  it('does not call an answer refreshed when a check the phase came to require during the refresh was not re-run', async () => {
    // The phase gains a check while the refresh runs; that check passed earlier (before the
    // cut-over the refresh is asked for), within max_age. Its old pass is not "checks run now".
    await world.db.exec(BACKFILL);
    const withExtra = withExtraCheck(YAML);
    world.setYaml(withExtra);
    await world.run(['users-extra']);
    const edited = requiringExtra(withExtra);
    const gates = gatesEditingFilesTo(edited);
    try {
      const decision = await gates.decide('users-split-name', 'switch-reads', { refresh: true });
      expect(decision).toMatchObject({ allowed: false, refreshed: true });
      expect(decision.reasons).toEqual([expect.stringMatching(/^check "users-extra" passed .*this refresh did not run it/)]);
      expect(decision.checks.map((c) => [c.id, c.denial])).toEqual([['users-name-backfilled', null], ['users-name-parity', null], ['users-extra', 'not_refreshed']]);
    } finally {
      world.setYaml(YAML);
      await gates.close();
    }
  });

  it('denies (could not evaluate) when the state store is gone, and still tells the observer', async () => {
    const heard: boolean[] = [];
    const broken = await createTestStore(engine);
    const gates = createGateService({ store: broken.store, runner: world.runner, catalog: world.catalog, clock: world.clock, onDecision: (d) => heard.push(d.allowed, d.evaluated), embeddedIdentity: embeddedLookup(world.db) });
    await broken.store.close();
    try {
      const error = await gates.decide('users-split-name', 'switch-reads').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GateUnavailableError);
      expect((error as Error).message).toMatch(/^could not evaluate the gate for users-split-name\/switch-reads: could not read results from the state store: /);
      expect(heard).toEqual([false, false]);
    } finally {
      await broken.close().catch(() => {});
    }
  });
});

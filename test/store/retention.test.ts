/**
 * Retention: old history is pruned, the evidence of every current gate answer is not, and of three
 * replicas passing the same slot exactly one prunes. Results are stamped by a fake store clock, so
 * "90 days ago" is a clock move, not a wait.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETENTION, retentionSchema } from '../../src/checkfile/retention.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { runRetentionPass, RETENTION_TASK, type RetentionState } from '../../src/scheduler/retention-pass.js';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';

const DAY = 86_400_000;

const YAML = `
checks:
  - id: flappy
    kind: sql_assert
    source: app
    query: "select id from t where id < 0"
    sample: 5
  - id: steady
    kind: row_count
    old: { source: app, table: t }
    new: { source: app, table: t, where: "id is not null" }
migrations:
  - id: m
    phases:
      - name: go
        requires: [flappy, steady]
        max_age: 365d
`;

describe('retention settings', () => {
  it('defaults, parses durations, and refuses typos with file:line:column', () => {
    expect(DEFAULT_RETENTION).toMatchObject({ results: 90 * DAY, samples: 30 * DAY, gate_decisions: 180 * DAY, schedule_claims: 14 * DAY, every: 3_600_000 });
    expect(retentionSchema.parse({ results: '30d' }).results).toBe(30 * DAY);
    const parsed = parseCheckFile('retention:\n  results: 1m\n  samples: 7d\n', 'r.yaml', {});
    expect(Array.isArray(parsed) && parsed.map(formatProblem)).toEqual([expect.stringMatching(/^r\.yaml:2:\d+: .*at least 1h/)]);
    const unknown = parseCheckFile('retention:\n  sample: 7d\n', 'r.yaml', {});
    expect(Array.isArray(unknown) && unknown.map(formatProblem).join()).toMatch(/r\.yaml:2:\d+.*sample/);
  });

  it('is declared once across the check files', () => {
    const a = parseCheckFile('retention:\n  results: 30d\n', 'a.yaml', {});
    const b = parseCheckFile('retention:\n  results: 60d\n', 'b.yaml', {});
    const catalog = buildCatalog([a, b] as never);
    expect(Array.isArray(catalog) && catalog.map(formatProblem)).toEqual([expect.stringMatching(/^b\.yaml:2:3: retention: retention is already declared at a\.yaml:2:3/)]);
    const one = buildCatalog([a] as never);
    expect(!Array.isArray(one) && one.retention?.settings.results).toBe(30 * DAY);
  });
});

describe.each(engines)('retention on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: 'create table t (id int); insert into t values (1), (-1), (-2)' });
  });
  afterAll(() => world.close());

  const count = async (table: string) => Number((await world.store.state.raw.transaction((exec) => exec(`select count(*)::int as n from parity.${table}`)))[0]!.n);
  const deps = (instanceId: string) => ({ store: world.store, retention: () => world.catalog().retention?.settings, instanceId });

  it('prunes old results, samples, runs and decisions but keeps what every gate answer rests on', async () => {
    world.clock.set('2025-01-01T00:00:00.000Z');
    // History: flappy fails (with samples) 201 days ago, then passes; steady passes once, as long ago.
    await world.run(['flappy', 'steady']);
    await world.gates.decide('m', 'go', { requestedBy: 'old-poller' });
    world.clock.advance(DAY);
    await world.db.exec('delete from t where id < 0');
    await world.run(['flappy']);
    world.clock.advance(200 * DAY);
    const before = await world.gates.decide('m', 'go');
    expect(before.allowed).toBe(true);
    expect(await count('check_results')).toBe(3);
    expect(await count('result_samples')).toBeGreaterThan(0);

    const state: RetentionState = { lastSlot: undefined };
    const counts = await runRetentionPass(deps('replica-a'), state, world.clock.now());
    // The failed flappy result (and its samples, its run once empty) goes; the old decision goes;
    // both checks' newest results stay however old: a gate answer rests on them.
    expect(counts).toMatchObject({ results: 1, samples: 1, gate_decisions: 1 });
    expect(await count('check_results')).toBe(2);
    expect(await count('result_samples')).toBe(0);
    const after = await world.gates.decide('m', 'go');
    expect(after.allowed).toBe(true);
    expect(after.checks.map((c) => c.result_id)).toEqual(before.checks.map((c) => c.result_id));
  });

  it('never prunes a non-pass that finished after the judged pass began reading (it denies)', async () => {
    // Overlapping results (as when a dead replica's run is aborted late): F began reading first,
    // P began later and passed, then F finished failing: F denies P, however old both get.
    world.clock.advance(DAY);
    const hash = world.catalog().checks.get('flappy')!.hash;
    for (const id of ['run-f', 'run-p']) await world.store.createRun({ id, trigger: 'api', checkIds: ['flappy'], selector: {}, createdAt: world.clock.now() });
    const done = (status: 'pass' | 'fail') => ({ status, summary: status, observations: {}, statements: [], finishedAt: world.clock.now(), durationMs: 1, samples: [] });
    await world.store.startResult({ id: 'f', runId: 'run-f', checkId: 'flappy', kind: 'sql_assert', definitionHash: hash });
    await world.store.markReading('f');
    await world.store.startResult({ id: 'p', runId: 'run-p', checkId: 'flappy', kind: 'sql_assert', definitionHash: hash });
    await world.store.markReading('p');
    await world.store.finishResult('p', done('pass'));
    await world.store.finishResult('f', done('fail'));
    world.clock.advance(200 * DAY);
    const judged = await world.gates.decide('m', 'go');
    expect(judged.allowed).toBe(false);
    expect(judged.reasons.join()).toMatch(/result f \(fail\)/);
    await runRetentionPass(deps('replica-a'), { lastSlot: undefined }, world.clock.now());
    const after = await world.gates.decide('m', 'go');
    expect(after.reasons).toEqual(judged.reasons.map((r) => r.replace(/\d+d \d+h|\d+d/g, (x) => x)));
    expect(after.allowed).toBe(false);
  });

  it('never prunes a non-pass recorded after a resumed pass\'s first chunks were read (the gate dates that pass from them)', async () => {
    // A chunked scan's first chunks are read at `since`; a fail F reads and finishes; the scan is
    // resumed by a run that reads later and passes. The gate dates the pass's evidence from `since`,
    // so F (which read later) is judged and denies. Retention dated the pass from its own read and
    // pruned F as "finished before the newest result began reading": the gate then allowed.
    world.clock.advance(DAY);
    const hash = world.catalog().checks.get('flappy')!.hash;
    const since = world.clock.now();
    for (const id of ['run-f2', 'run-j']) await world.store.createRun({ id, trigger: 'api', checkIds: ['flappy'], selector: {}, createdAt: world.clock.now() });
    const done = (status: 'pass' | 'fail', observations: Record<string, unknown> = {}) => ({ status, summary: status, observations, statements: [], finishedAt: world.clock.now(), durationMs: 1, samples: [] });
    world.clock.advance(60_000);
    await world.store.startResult({ id: 'f2', runId: 'run-f2', checkId: 'flappy', kind: 'sql_assert', definitionHash: hash });
    await world.store.markReading('f2');
    world.clock.advance(60_000);
    await world.store.finishResult('f2', done('fail'));
    world.clock.advance(60_000);
    await world.store.startResult({ id: 'j', runId: 'run-j', checkId: 'flappy', kind: 'sql_assert', definitionHash: hash });
    await world.store.markReading('j');
    world.clock.advance(60_000);
    await world.store.finishResult('j', done('pass', { resumed_from: { run_id: 'earlier', chunks: 3, rows_scanned: 30, since: since.toISOString() } }));
    world.clock.advance(200 * DAY);
    // (steady is long stale by now; only flappy's standing is asserted.)
    const flappy = async () => (await world.gates.decide('m', 'go')).checks.find((c) => c.id === 'flappy')!;
    expect(await flappy()).toMatchObject({ result_id: 'f2', denial: 'failed' });
    await runRetentionPass(deps('replica-a'), { lastSlot: undefined }, world.clock.now());
    expect(await world.store.getResult('f2')).toBeDefined();
    expect(await flappy()).toMatchObject({ result_id: 'f2', denial: 'failed' });
  });

  it('lets exactly one of three replicas prune each slot', async () => {
    world.clock.advance(DAY);
    const now = world.clock.now();
    const states = [{ lastSlot: undefined }, { lastSlot: undefined }, { lastSlot: undefined }] as RetentionState[];
    const results = await Promise.all(['replica-a', 'replica-b', 'replica-c'].map((id, i) => runRetentionPass(deps(id), states[i]!, now)));
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    // The same slot again: nobody prunes.
    const again = await Promise.all(['replica-a', 'replica-b', 'replica-c'].map((id, i) => runRetentionPass(deps(id), states[i]!, now)));
    expect(again.every((r) => r === undefined)).toBe(true);
    const claims = await world.store.listMaintenance(RETENTION_TASK);
    expect(claims[0]).toMatchObject({ report: expect.objectContaining({ results: expect.any(Number) }), finishedAt: expect.any(Date) });
  });

  it('keeps a check definition\'s first declaration while any replica declares it, and prunes it once nobody has for the results\' retention', async () => {
    world.clock.advance(DAY);
    const before = world.clock.now().getTime();
    // The fake store clock ticks a millisecond per reading: a time "about now" is within a few.
    const aboutNow = (from: number) => expect.toSatisfy((at: Date) => at.getTime() >= from && at.getTime() < from + 50);
    const both = await world.store.declareDefinitions([{ checkId: 'kept', hash: 'h1' }, { checkId: 'dropped', hash: 'h1' }]);
    expect([...both.keys()].sort()).toEqual(['dropped', 'kept']);
    expect(both.get('kept')).toEqual(aboutNow(before));
    const declaredAt = both.get('kept')!;
    world.clock.advance(3 * DAY);
    // Declared again later, by this replica or another: the first time stands.
    expect(await world.store.declareDefinitions([{ checkId: 'kept', hash: 'h1' }])).toEqual(new Map([['kept', declaredAt]]));
    // Another definition of the same check is declared afresh, and is not the one asked about.
    const edited = world.clock.now().getTime();
    expect((await world.store.declareDefinitions([{ checkId: 'kept', hash: 'h2' }])).get('kept')).toEqual(aboutNow(edited));
    world.clock.advance(89 * DAY);
    const counts = await runRetentionPass(deps('replica-a'), { lastSlot: undefined }, world.clock.now());
    // 'dropped' was last declared 92 days ago; 'kept' (h1, seen again) and h2 89 days ago: only 'dropped' is past the 90 days.
    expect(counts?.check_declarations).toBe(1);
    expect(await world.store.declareDefinitions([{ checkId: 'kept', hash: 'h1' }])).toEqual(new Map([['kept', declaredAt]]));
    const redeclared = world.clock.now().getTime();
    expect((await world.store.declareDefinitions([{ checkId: 'dropped', hash: 'h1' }])).get('dropped')).toEqual(aboutNow(redeclared));
  });
});

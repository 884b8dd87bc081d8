import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { BROKEN_USER_IDS, createHttpFixture, json, pollRun, type HttpFixture } from './support.js';

describe.each(engines)('runs API on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine);
  });
  afterAll(() => fx.close());

  it('runs selected checks with ?wait=true and returns the finished run with results and samples', async () => {
    const response = await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-row-count', 'users-name-parity'] } });
    expect(response.status).toBe(200);
    const { run, links } = await json(response);
    expect(links.self).toBe(`/v1/runs/${run.id}`);
    expect(run).toMatchObject({ status: 'finished', trigger: 'api', requested_by: 'local', summary: { pass: 1, fail: 1, error: 0, total: 2 } });
    expect(run.finished_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const byId = Object.fromEntries(run.results.map((r: any) => [r.check_id, r]));
    expect(byId['users-row-count']).toMatchObject({ status: 'pass', kind: 'row_count', samples: [] });
    const parity = byId['users-name-parity'];
    expect(parity).toMatchObject({ status: 'fail', observations: { mismatches: 2, rows: 200 } });
    expect(parity.samples.map((s: any) => Number(s.key.id)).sort((a: number, b: number) => a - b)).toEqual(BROKEN_USER_IDS);
    expect(parity.samples[0]).toMatchObject({ category: 'mismatch', old: expect.stringMatching(/^First\d+ Last\d+$/), new: expect.stringMatching(/ Wrong$/) });
    expect(parity.statements.length).toBeGreaterThan(0);
    expect(parity.definition_hash).toMatch(/\S/);
    // Which server the check really read, and when (store clock) it began and finished reading.
    expect(parity.servers.app).toMatchObject({ database: expect.any(String), user: expect.any(String), version_num: expect.any(Number), privilege_warnings: expect.any(Array) });
    // And the replica lag it read under: a primary, so none.
    expect(parity.servers.app.replica_lag).toMatchObject({ state: 'primary', lag_ms: 0, max_replica_lag_ms: null });
    expect(Date.parse(parity.read_at)).toBeGreaterThanOrEqual(Date.parse(parity.started_at));
    expect(Date.parse(parity.finished_at)).toBeGreaterThanOrEqual(Date.parse(parity.read_at));
  });

  it('rechecks the failing keys with recheck: failing, under <check>:recheck', async () => {
    await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-name-parity'] } });
    const response = await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-name-parity'], recheck: 'failing' } });
    expect(response.status).toBe(200);
    const { run } = await json(response);
    expect(run.results).toEqual([expect.objectContaining({
      check_id: 'users-name-parity:recheck', status: 'fail',
      observations: expect.objectContaining({ rows: BROKEN_USER_IDS.length, mismatches: BROKEN_USER_IDS.length, recheck: expect.objectContaining({ gate_evidence: false }) }),
    })]);
    const bad = await fx.request('POST', '/v1/runs', { body: { ids: ['users-name-parity'], recheck: 'all' } });
    expect(bad.status).toBe(422);
  });

  it('answers 202 at once and the run can be polled until it finishes', async () => {
    const response = await fx.request('POST', '/v1/runs', { body: { tags: ['names'] } });
    expect(response.status).toBe(202);
    const { run, links } = await json(response);
    expect(response.headers.get('location')).toBe(links.self);
    expect(['queued', 'running']).toContain(run.status);
    expect(run.check_ids).toEqual(['users-name-parity']);
    expect(run.selector).toEqual({ tags: ['names'] });
    const done = await pollRun(fx, run.id);
    expect(done.run.status).toBe('finished');
    expect(done.run.progress).toBeNull();
    expect(done.run.results[0].samples.map((s: any) => Number(s.key.id)).sort((a: number, b: number) => a - b)).toEqual(BROKEN_USER_IDS);
  });

  it('answers 202 with the current state when ?wait=true outlasts timeout_s, and GET shows it running', async () => {
    const release = await fx.hold();
    try {
      const response = await fx.request('POST', '/v1/runs?wait=true&timeout_s=0.2', { body: { ids: ['gated'] } });
      expect(response.status).toBe(202);
      const { run } = await json(response);
      expect(run.status).toBe('running');
      const live = await json(await fx.request('GET', `/v1/runs/${run.id}`));
      expect(live.run.status).toBe('running');
      expect(Array.isArray(live.run.progress)).toBe(true);
      expect(live.run.results.map((r: any) => r.status)).toEqual(['running']);
      await release();
      const done = await pollRun(fx, run.id);
      expect(done.run.status).toBe('finished');
      expect(done.run.results[0].status).toBe('pass');
    } finally {
      await release();
    }
  });

  it('cancels a running run with DELETE; the run ends as cancelled and a second DELETE is a 409', async () => {
    const release = await fx.hold();
    let id: string;
    try {
      const started = await json(await fx.request('POST', '/v1/runs', { body: { ids: ['gated'] } }));
      id = started.run.id;
      const cancel = await fx.request('DELETE', `/v1/runs/${id}`);
      expect(cancel.status).toBe(202);
      const body = await json(cancel);
      expect(body.run.id).toBe(id);
      expect(body.run.cancel_requested_at).not.toBeNull();
    } finally {
      await release();
    }
    const done = await pollRun(fx, id);
    expect(done.run.status).toBe('cancelled');
    expect(done.run.results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    const again = await fx.request('DELETE', `/v1/runs/${id}`);
    expect(again.status).toBe(409);
    expect((await json(again)).error).toMatchObject({ code: 'run_finished', details: { status: 'cancelled' } });
  });

  it('documents progress (rows, estimate, rate, time left) and the replica lag of a result in /openapi.json', async () => {
    const doc = await json(await fx.request('GET', '/openapi.json'));
    expect(Object.keys(doc.components.schemas.Progress.properties)).toEqual(expect.arrayContaining(['rows_scanned', 'rows_estimated', 'rows_per_second', 'eta_seconds', 'started_at']));
    expect(doc.components.schemas.ReplicaLag.properties.state.enum).toEqual(['primary', 'caught_up', 'behind', 'unknown']);
    expect(doc.components.schemas.ServerIdentity.properties.replica_lag).toBeDefined();
  });

  it('answers 404 for DELETE and GET of an unknown run', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fx.request(method, '/v1/runs/no-such-run');
      expect(response.status).toBe(404);
      expect((await json(response)).error.code).toBe('run_not_found');
    }
  });

  it('runs every check for all: true and for a request without a body', async () => {
    const all = await json(await fx.request('POST', '/v1/runs?wait=true', { body: { all: true } }));
    expect(all.run.check_ids.sort()).toEqual(['gated', 'users-name-parity', 'users-row-count']);
    const bare = await fx.request('POST', '/v1/runs?wait=1');
    expect(bare.status).toBe(200);
    const { run } = await json(bare);
    expect(run.selector).toEqual({ all: true });
    expect(run.summary).toEqual({ pass: 2, fail: 1, error: 0, total: 3 });
  });

  it('selects by ids and tags together as a union', async () => {
    const { run } = await json(await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['gated'], tags: ['fast'] } }));
    expect(run.check_ids.sort()).toEqual(['gated', 'users-row-count']);
  });

  it('rejects a request that selects nothing, names unknown ids or matches no tag with 422', async () => {
    const empty = await fx.request('POST', '/v1/runs', { body: {} });
    expect(empty.status).toBe(422);
    expect((await json(empty)).error).toMatchObject({ code: 'invalid_request', details: { problems: [{ path: '', message: expect.stringContaining('select checks') }] } });

    const unknown = await fx.request('POST', '/v1/runs', { body: { ids: ['users-row-count', 'nope', 'nada'] } });
    expect(unknown.status).toBe(422);
    expect((await json(unknown)).error).toMatchObject({ code: 'unknown_checks', details: { unknown_ids: ['nope', 'nada'] } });

    const noMatch = await fx.request('POST', '/v1/runs', { body: { tags: ['nothing-has-this'] } });
    expect(noMatch.status).toBe(422);
    expect((await json(noMatch)).error.code).toBe('no_matching_checks');

    const both = await fx.request('POST', '/v1/runs', { body: { all: true, ids: ['gated'] } });
    expect(both.status).toBe(422);
    expect((await json(both)).error.details.problems[0].path).toBe('all');
  });

  it('lists runs newest first, bounded by ?limit', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await json(await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-row-count'] } }))).run.id);
    }
    const listed = await json(await fx.request('GET', '/v1/runs?limit=2'));
    expect(listed.runs.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    expect(listed.runs[0]).not.toHaveProperty('results');
    const all = await json(await fx.request('GET', '/v1/runs'));
    expect(all.runs.length).toBeGreaterThanOrEqual(3);
    expect(all.runs.length).toBeLessThanOrEqual(20);
    const created = all.runs.map((r: any) => Date.parse(r.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
  });

  it('rejects a limit outside 1..200 with 422 naming the parameter', async () => {
    for (const limit of ['0', '201', 'ten']) {
      const response = await fx.request('GET', `/v1/runs?limit=${limit}`);
      expect(response.status).toBe(422);
      expect((await json(response)).error.details.problems[0].path).toBe('limit');
    }
    expect((await fx.request('GET', '/v1/runs?limit=200')).status).toBe(200);
  });
});

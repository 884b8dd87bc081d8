import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { BROKEN_USER_IDS, createHttpFixture, json, type HttpFixture } from './support.js';

const PASSWORD = 'pw-in-source-url-7d1c';

describe.each(engines)('checks API on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { sourcePassword: PASSWORD });
  });
  afterAll(() => fx.close());

  it('lists every declared check with its sources, hash and file:line, and no result yet', async () => {
    const response = await fx.request('GET', '/v1/checks');
    expect(response.status).toBe(200);
    const { checks } = await json(response);
    expect(checks.map((c: any) => c.id)).toEqual(['users-row-count', 'users-name-parity', 'gated']);
    const rowCount = checks[0];
    expect(rowCount).toMatchObject({
      kind: 'row_count', description: 'every legacy user was copied', tags: ['users', 'fast'], schedule: null, latest: null,
      sources: [{ name: 'app', description: null }],
    });
    expect(rowCount.definition_hash).toMatch(/^[0-9a-f]{16,}$/);
    const text = await readFile(path.join(fx.service.config.checksDir, 'checks.yaml'), 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes('id: users-row-count')) + 1;
    expect(rowCount.file).toMatch(/checks\.yaml$/);
    expect(rowCount.line).toBe(line);
    expect(checks[2].sources.map((s: any) => s.name)).toEqual(['gated']);
    if (engine === 'pglite') {
      expect(rowCount.sources[0].url).toBe('embedded:verified');
    } else {
      expect(rowCount.sources[0].url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/parity_t_/);
      expect(JSON.stringify(checks)).not.toContain(PASSWORD);
    }
  });

  it("shows each check's latest finished result after a run", async () => {
    const { run } = await json(await fx.request('POST', '/v1/runs?wait=true', { body: { tags: ['users'] } }));
    const { checks } = await json(await fx.request('GET', '/v1/checks'));
    const byId = Object.fromEntries(checks.map((c: any) => [c.id, c]));
    const parityResult = run.results.find((r: any) => r.check_id === 'users-name-parity');
    expect(byId['users-name-parity'].latest).toEqual({
      result_id: parityResult.id, run_id: run.id, status: 'fail', summary: parityResult.summary, finished_at: parityResult.finished_at,
    });
    expect(byId['users-row-count'].latest.status).toBe('pass');
    expect(byId.gated.latest).toBeNull();
  });

  it('returns a check history newest first with samples, bounded by ?limit', async () => {
    const first = await json(await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-name-parity'] } }));
    const second = await json(await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-name-parity'] } }));
    const response = await fx.request('GET', '/v1/checks/users-name-parity/results?limit=2');
    expect(response.status).toBe(200);
    const history = await json(response);
    expect(history.check_id).toBe('users-name-parity');
    expect(history.results.map((r: any) => r.run_id)).toEqual([second.run.id, first.run.id]);
    for (const result of history.results) {
      expect(result.status).toBe('fail');
      expect(result.samples.map((s: any) => Number(s.key.id)).sort((a: number, b: number) => a - b)).toEqual(BROKEN_USER_IDS);
    }
    const all = await json(await fx.request('GET', '/v1/checks/users-name-parity/results'));
    expect(all.results.length).toBe(3);
  });

  it('answers 404 for the history of an undeclared check', async () => {
    const response = await fx.request('GET', '/v1/checks/not-a-check/results');
    expect(response.status).toBe(404);
    expect((await json(response)).error).toMatchObject({ code: 'check_not_found', message: expect.stringContaining('not-a-check') });
  });
});

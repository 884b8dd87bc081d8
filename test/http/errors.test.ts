import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/http/app.js';
import { engines } from '../support/databases.js';
import { createHttpFixture, json, type HttpFixture } from './support.js';

describe.each(engines)('error responses on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine);
  });
  afterAll(() => fx.close());

  /** `null` sends no Content-Type of our own (fetch then labels a string body text/plain). */
  const post = (raw: string, contentType: string | null = 'application/json') =>
    fx.request('POST', '/v1/runs', { raw, headers: contentType === null ? {} : { 'content-type': contentType } });

  it('answers 413 with a JSON error for bodies over 64 KiB, before starting anything', async () => {
    const before = (await json(await fx.request('GET', '/v1/runs?limit=200'))).runs.length;
    const big = JSON.stringify({ ids: ['users-row-count'], padding: 'x'.repeat(MAX_BODY_BYTES) });
    const withLength: Record<string, string>[] = [{ 'content-type': 'application/json' }, { 'content-type': 'application/json', 'content-length': String(big.length) }];
    for (const headers of withLength) {
      const response = await fx.request('POST', '/v1/runs', { raw: big, headers });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect((await json(response)).error).toMatchObject({ code: 'payload_too_large', message: expect.stringContaining(String(MAX_BODY_BYTES)) });
    }
    expect((await json(await fx.request('GET', '/v1/runs?limit=200'))).runs.length).toBe(before);
  });

  it('answers 400 malformed_json for a body that is not JSON', async () => {
    for (const raw of ['{', '{"ids": [}', 'ids=users-row-count', '\u0000', '']) {
      const response = await post(raw);
      expect(response.status, JSON.stringify(raw)).toBe(400);
      expect((await json(response)).error.code).toBe('malformed_json');
    }
  });

  it('answers 415 for a body sent as something other than application/json', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', null]) {
      const response = await post('{"all":true}', contentType);
      expect(response.status, String(contentType)).toBe(415);
      expect((await json(response)).error.code).toBe('unsupported_media_type');
    }
  });

  it('answers 422 with the path and message of every problem in the body', async () => {
    const cases: [unknown, string[]][] = [
      [[], ['']],
      ['all', ['']],
      [null, ['']],
      [{ ids: 'users-row-count' }, ['ids']],
      [{ ids: ['ok', 7, ''] }, ['ids.1', 'ids.2']],
      [{ all: 'yes' }, ['all']],
      [{ tags: [{}] }, ['tags.0']],
      [{ all: true, id: ['typo'] }, ['']],
    ];
    for (const [body, paths] of cases) {
      const response = await fx.request('POST', '/v1/runs', { body });
      expect(response.status, JSON.stringify(body)).toBe(422);
      const { error } = await json(response);
      expect(error.code).toBe('invalid_request');
      expect(error.details.problems.map((p: any) => p.path), JSON.stringify(body)).toEqual(paths);
      for (const problem of error.details.problems) expect(problem.message).toMatch(/\S/);
    }
  });

  it('answers 422 for invalid query parameters, naming each', async () => {
    const response = await fx.request('POST', '/v1/runs?wait=maybe&timeout_s=-1', { body: { all: true } });
    expect(response.status).toBe(422);
    expect((await json(response)).error.details.problems.map((p: any) => p.path).sort()).toEqual(['timeout_s', 'wait']);
    const history = await fx.request('GET', '/v1/checks/users-row-count/results?limit=1000');
    expect(history.status).toBe(422);
  });

  it('answers 404 JSON for unknown routes and methods', async () => {
    for (const [method, url] of [['GET', '/nope'], ['POST', '/v1/check'], ['PUT', '/v1/runs'], ['GET', '/v1/runs/x/y']] as const) {
      const response = await fx.request(method, url);
      expect(response.status, `${method} ${url}`).toBe(404);
      expect((await json(response)).error).toMatchObject({ code: 'not_found', message: expect.stringContaining(url) });
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/http/app.js';
import { createParityApp } from '../../src/http/server.js';
import { engines } from '../support/databases.js';
import { createHttpFixture, json, type HttpFixture } from './support.js';

const READER = 'reader-token-5f0e9a7c';
const RUNNER = 'runner-token-c21b8d44';
const TOKENS = `reader:${READER}:read,ci:${RUNNER}:run`;

describe.each(engines)('authentication on %s', (engine) => {
  let fx: HttpFixture;
  let runId: string;
  /** The same service served with no tokens configured (loopback mode). */
  let open: App;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { tokens: TOKENS });
    open = createParityApp({ service: { ...fx.service, config: { ...fx.service.config, apiTokens: [] } } });
    runId = (await json(await fx.request('POST', '/v1/runs?wait=true', { token: RUNNER, body: { ids: ['users-row-count'] } }))).run.id;
  });
  afterAll(() => fx.close());

  const routes = () => [
    { method: 'GET', url: '/v1/checks', scope: 'read', ok: 200 },
    { method: 'GET', url: '/v1/checks/users-row-count/results', scope: 'read', ok: 200 },
    { method: 'GET', url: '/v1/runs', scope: 'read', ok: 200 },
    { method: 'GET', url: `/v1/runs/${runId}`, scope: 'read', ok: 200 },
    { method: 'POST', url: '/v1/runs', scope: 'run', ok: 202, body: { ids: ['users-row-count'] } },
    // The run has finished: passing authentication leads to the 409 of the handler.
    { method: 'DELETE', url: `/v1/runs/${runId}`, scope: 'run', ok: 409 },
  ];

  it('rejects /v1 requests without a token, with an unknown token or a non-bearer scheme with 401', async () => {
    for (const route of routes()) {
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-real-token-123456' }, { authorization: `Basic ${READER}` }, { authorization: 'Bearer' }];
      for (const headers of attempts) {
        const response = await fx.request(route.method, route.url, { headers, ...(route.body ? { body: route.body } : {}) });
        expect(response.status, `${route.method} ${route.url} ${JSON.stringify(headers)}`).toBe(401);
        expect((await json(response)).error.code).toBe('unauthorized');
      }
    }
  });

  it('accepts a token as the password of Basic auth (what Go sends for http://name:token@host/…), naming the token', async () => {
    const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` });
    const ok = await fx.request('GET', '/v1/migrations', { headers: basic(`flagger:${READER}`) });
    expect(ok.status).toBe(200);
    // The token's own name is the caller, whatever user name the URL carried.
    expect((await fx.request('POST', '/v1/runs?wait=true', { headers: basic(`anyone:${RUNNER}`), body: { ids: ['users-row-count'] } })).status).toBe(200);
    expect((await json(await fx.request('GET', '/v1/runs?limit=1', { token: READER }))).runs[0].requested_by).toBe('ci');
    for (const text of [READER, `flagger:${READER}x`, `${READER}:`, `:`, `flagger:`]) {
      const response = await fx.request('GET', '/v1/migrations', { headers: basic(text) });
      expect(response.status, text).toBe(401);
    }
  });

  it('lets a read token read and answers 403 on routes that need the run scope', async () => {
    for (const route of routes()) {
      const response = await fx.request(route.method, route.url, { token: READER, ...(route.body ? { body: route.body } : {}) });
      if (route.scope === 'read') {
        expect(response.status, `${route.method} ${route.url}`).toBe(route.ok);
      } else {
        expect(response.status, `${route.method} ${route.url}`).toBe(403);
        const body = await json(response);
        expect(body.error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('"run" scope') });
        expect(JSON.stringify(body)).not.toContain(READER);
      }
    }
  });

  it('lets a run token do everything, recording its name as requested_by', async () => {
    for (const route of routes()) {
      const response = await fx.request(route.method, route.url, { token: RUNNER, ...(route.body ? { body: route.body } : {}) });
      expect(response.status, `${route.method} ${route.url}`).toBe(route.ok);
      if (route.method === 'POST') expect((await json(response)).run.requested_by).toBe('ci');
    }
  });

  it('checks the scope before validating the body, so anonymous callers learn nothing about it', async () => {
    const anonymous = await fx.request('POST', '/v1/runs', { body: { nonsense: true } });
    expect(anonymous.status).toBe(401);
    const reader = await fx.request('POST', '/v1/runs', { token: READER, body: { nonsense: true } });
    expect(reader.status).toBe(403);
  });

  it('serves health, readiness and the OpenAPI document without a token', async () => {
    for (const url of ['/healthz', '/readyz', '/openapi.json']) expect((await fx.request('GET', url)).status).toBe(200);
  });

  it('allows everything without a token when no tokens are configured, as "local"', async () => {
    for (const route of routes()) {
      const response = await open.request(route.url, {
        method: route.method,
        ...(route.body ? { body: JSON.stringify(route.body), headers: { 'content-type': 'application/json' } } : {}),
      });
      expect(response.status, `${route.method} ${route.url}`).toBe(route.ok);
      if (route.method === 'POST') expect((await json(response)).run.requested_by).toBe('local');
    }
  });

  it('refuses cross-site writes and non-loopback host names when no tokens are configured', async () => {
    const post = (url: string, headers: Record<string, string>) =>
      open.request(url, { method: 'POST', body: JSON.stringify({ ids: ['users-row-count'] }), headers: { 'content-type': 'application/json', ...headers } });
    const evil = await post('/v1/runs', { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect((await json(evil)).error.code).toBe('cross_origin');
    expect((await post('/v1/runs', { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post('/v1/runs', { origin: 'null' })).status).toBe(403);
    expect((await post('/v1/runs', { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' })).status).toBe(202);
    expect((await post('http://127.0.0.1:8080/v1/runs', { origin: 'http://127.0.0.1:8080' })).status).toBe(202);
    const rebound = await open.request('http://attacker.example:8080/v1/runs');
    expect(rebound.status).toBe(403);
    expect((await json(rebound)).error.code).toBe('host_not_allowed');
    expect((await open.request('http://[::1]:8080/healthz')).status).toBe(200);
  });

  it('never echoes a token in any response', async () => {
    const bodies: string[] = [];
    for (const route of routes()) {
      for (const token of [READER, RUNNER, `${RUNNER}x`]) {
        bodies.push(await (await fx.request(route.method, route.url, { token, ...(route.body ? { body: route.body } : {}) })).text());
      }
    }
    for (const body of bodies) {
      expect(body).not.toContain(READER);
      expect(body).not.toContain(RUNNER);
    }
  });
});

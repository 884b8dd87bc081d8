import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { CHECKS_YAML, createHttpFixture, json, type HttpFixture } from './support.js';

const TOKEN = 'runner-secret-token-a8f3e2d1';
const READ_TOKEN = 'reader-secret-token-47b9c0aa';
/** In the Postgres source URL (trust auth ignores it) and in an unreachable source on both engines. */
const PASSWORD = 'dsn-password-e6b1f0c9';

const REMOTE_CHECK = `
  - id: remote-check
    kind: sql_assert
    source: remote
    query: "select 1 from pg_namespace where nspname = 'parity_never'"
`;

describe.each(engines)('secrets on %s', (engine) => {
  let fx: HttpFixture;
  const bodies: string[] = [];
  /** Sends a request and keeps its body for the final scan. */
  const call = async (method: string, url: string, init: Parameters<HttpFixture['request']>[2] = {}) => {
    const response = await fx.request(method, url, init);
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, body: JSON.parse(text) };
  };

  beforeAll(async () => {
    fx = await createHttpFixture(engine, {
      tokens: `ci:${TOKEN}:run,dash:${READ_TOKEN}:read`,
      sourcePassword: PASSWORD,
      extraSources: `  remote: { url: "postgres://parity:${PASSWORD}@127.0.0.1:1/prod?sslpassword=${PASSWORD}" }`,
      checks: CHECKS_YAML + REMOTE_CHECK,
    });
  });
  afterAll(() => fx.close());

  it('keeps the DSN password and API tokens out of every response and every log line', async () => {
    await call('GET', '/healthz');
    expect((await call('GET', '/readyz')).status).toBe(503);
    await call('GET', '/openapi.json');
    const checks = await call('GET', '/v1/checks', { token: READ_TOKEN });
    expect(checks.body.checks.find((c: any) => c.id === 'remote-check').sources[0].url).toContain('***');

    const run = await call('POST', '/v1/runs?wait=true', { token: TOKEN, body: { all: true } });
    expect(run.status).toBe(200);
    const remote = run.body.run.results.find((r: any) => r.check_id === 'remote-check');
    expect(remote).toMatchObject({ status: 'error', error: { code: 'connection' } });
    await call('GET', `/v1/runs/${run.body.run.id}`, { token: READ_TOKEN });
    await call('GET', '/v1/runs', { token: READ_TOKEN });
    for (const id of ['remote-check', 'users-name-parity', 'users-row-count']) await call('GET', `/v1/checks/${id}/results`, { token: READ_TOKEN });

    // Errors, including ones that echo what the caller sent.
    expect((await call('POST', '/v1/runs', { token: READ_TOKEN, body: { all: true } })).status).toBe(403);
    expect((await call('GET', '/v1/runs', { token: `${TOKEN}-wrong` })).status).toBe(401);
    expect((await call('GET', '/v1/runs', { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const echoed = await call('POST', '/v1/runs', { token: TOKEN, body: { ids: [TOKEN, PASSWORD, `x${READ_TOKEN}x`] } });
    expect(echoed.body.error).toMatchObject({ code: 'unknown_checks', details: { unknown_ids: ['***', '***', 'x***x'] } });
    const invalid = await call('POST', '/v1/runs', { token: TOKEN, body: { ids: [TOKEN], [PASSWORD]: READ_TOKEN } });
    expect(invalid.status).toBe(422);
    expect((await call('GET', `/v1/checks/${PASSWORD}/results`, { token: TOKEN })).status).toBe(404);
    expect((await call('GET', `/v1/runs/${TOKEN}`, { token: TOKEN })).status).toBe(404);
    expect((await call('DELETE', `/v1/runs/${TOKEN}`, { token: TOKEN })).status).toBe(404);
    expect((await call('GET', `/${PASSWORD}`, { token: TOKEN })).status).toBe(404);

    const logs = fx.logs();
    // The log is not empty, so its scan below means something.
    expect(logs).toContain('remote-check');
    expect(logs).toContain('readiness probe failed');
    for (const text of [...bodies, logs]) {
      for (const secret of [TOKEN, READ_TOKEN, PASSWORD]) expect(text).not.toContain(secret);
    }
    expect(bodies.length).toBeGreaterThan(15);
  });

  it('redacts a secret in the unknown-id list without losing the other ids', async () => {
    const { body } = await call('POST', '/v1/runs', { token: TOKEN, body: { ids: ['no-such-check', PASSWORD] } });
    expect(body.error.details.unknown_ids).toEqual(['no-such-check', '***']);
    expect(body.error.message).toBe('unknown check ids: no-such-check, ***');
    expect(JSON.stringify(await json(await fx.request('GET', '/v1/checks', { token: TOKEN })))).not.toContain(PASSWORD);
  });
});

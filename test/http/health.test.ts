import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { createHttpFixture, json, type HttpFixture } from './support.js';

/** Nothing listens on port 1 of the loopback interface: connecting is refused at once. */
const READ_TOKEN = 'reader-token-0123456789';
const CLOSED_PORT_URL = 'postgres://reader:closed-port-pw-93a1@127.0.0.1:1/nowhere';

describe.each(engines)('health on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { tokens: `reader:${READ_TOKEN}:read` });
  });
  afterAll(() => fx.close());

  it('answers /healthz without a token', async () => {
    const response = await fx.request('GET', '/healthz');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 when the store and every source answer: details for a read token only', async () => {
    const response = await fx.request('GET', '/readyz', { token: READ_TOKEN });
    expect(response.status).toBe(200);
    const warned = { status: 'ok', privilege_warnings: expect.any(Number) };
    expect(await json(response)).toEqual({
      // The test role is a superuser on both engines: the least-privilege preflight counts its warnings.
      status: 'ready', checked_at: expect.any(String), store: { status: 'ok' }, sources: { app: warned, gated: warned },
      catalog: { valid: true, loaded_at: expect.any(String), problems: [] },
    });
    const anonymous = await fx.request('GET', '/readyz');
    expect(anonymous.status).toBe(200);
    expect(await json(anonymous)).toEqual({ status: 'ready', checked_at: expect.any(String) });
  });

  it('answers /readyz with 503 naming an unreachable source by fault code, with no secret, and stays live', async () => {
    const file = path.join(fx.service.config.checksDir, 'checks.yaml');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('sources:\n', `sources:\n  remote: { url: "${CLOSED_PORT_URL}" }\n`));
    await fx.service.reload();
    try {
      const anonymous = await fx.request('GET', '/readyz');
      expect(anonymous.status).toBe(503);
      expect(await anonymous.text()).not.toContain('remote');
      const response = await fx.request('GET', '/readyz', { token: READ_TOKEN });
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(JSON.parse(text).error).toMatchObject({
        code: 'not_ready',
        message: expect.stringContaining('source "remote"'),
        details: { store: { status: 'ok' }, sources: { app: { status: 'ok' }, gated: { status: 'ok' }, remote: { status: 'error', code: 'connection' } }, catalog: { valid: true } },
      });
      expect(text).not.toContain('closed-port-pw-93a1');
      expect(text).not.toContain('127.0.0.1:1');
      expect(fx.logs()).toContain('readiness probe failed');
      expect(fx.logs()).not.toContain('closed-port-pw-93a1');
      expect((await fx.request('GET', '/healthz')).status).toBe(200);
    } finally {
      await writeFile(file, original);
      await fx.service.reload();
    }
    expect((await fx.request('GET', '/readyz')).status).toBe(200);
  });

  it('serves /openapi.json without a token as OpenAPI 3.1 and documents every route', async () => {
    const response = await fx.request('GET', '/openapi.json');
    expect(response.status).toBe(200);
    const doc = await json(response);
    expect(doc.openapi).toBe('3.1.0');
    const routes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p}`)).sort();
    expect(routes).toEqual(expect.arrayContaining([
      'DELETE /v1/runs/{id}',
      'GET /healthz',
      'GET /readyz',
      'GET /v1/checks',
      'GET /v1/checks/{id}/results',
      'GET /v1/runs',
      'GET /v1/runs/{id}',
      'POST /v1/runs',
    ]));
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/v1/runs'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/RunRequest');
    expect(doc.paths['/v1/runs'].post.responses['422'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    expect(doc.paths['/v1/runs'].post.security).toEqual([{ bearer: [] }]);
    // Anonymous or bearer: a token is optional on health routes (readiness details need one).
    expect(doc.paths['/healthz'].get.security).toEqual([{}, { bearer: [] }]);
  });

  it('documents stored results from the same definition the store uses (fused and chunked statements included)', async () => {
    const doc = await json(await fx.request('GET', '/openapi.json'));
    expect(Object.keys(doc.components.schemas.Statement.properties)).toEqual(['source', 'sql', 'params', 'duration_ms', 'rows', 'fused_checks', 'chunks']);
    expect(Object.keys(doc.components.schemas.Fault.properties)).toEqual(['code', 'message', 'sqlstate']);
  });

  it('documents every API route the app serves', async () => {
    const doc = await json(await fx.request('GET', '/openapi.json'));
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`)));
    const served = fx.app.routes
      .filter((r) => r.method !== 'ALL' && (r.path.startsWith('/v1/') || /^\/(healthz|readyz)$/.test(r.path)))
      .map((r) => `${r.method} ${r.path}`);
    for (const route of served) expect(documented).toContain(route);
  });
});

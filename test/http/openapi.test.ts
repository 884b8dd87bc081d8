/**
 * /openapi.json as a client generator sees it: linted by Redocly's strictest built-in ruleset (every
 * rule an error), with a stable, unique operationId per operation, servers, a license, and the
 * bearer scheme on every operation that takes a token.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpFixture, json, type HttpFixture } from './support.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

// The document does not depend on the state store's engine; PGlite serves it.
describe('the OpenAPI document', () => {
  let fx: HttpFixture;
  let text: string;
  let doc: any;
  beforeAll(async () => {
    fx = await createHttpFixture('pglite', { tokens: 'reader:reader-token-0123456789:read' });
    text = await (await fx.request('GET', '/openapi.json')).text();
    doc = JSON.parse(text);
  });
  afterAll(() => fx.close());

  const operations = () => Object.entries(doc.paths as Record<string, Record<string, any>>)
    .flatMap(([path, item]) => Object.entries(item).filter(([method]) => METHODS.includes(method)).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })));

  it('has no problems under the recommended-strict ruleset of @redocly/openapi-core', async () => {
    const config = await createConfig({ extends: ['recommended-strict'] });
    const problems = await lintFromString({ source: text, absoluteRef: 'openapi.json', config });
    const shown = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(shown).toEqual([]);
  });

  it('names every operation once, so generated clients have stable method names', async () => {
    const ids = operations().map(({ route, op }) => ({ route, id: op.operationId as unknown }));
    for (const { route, id } of ids) expect(id, route).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids.map((i) => i.id)).size).toBe(ids.length);
    expect(Object.fromEntries(ids.map((i) => [i.route, i.id]))).toMatchObject({
      'POST /v1/runs': 'startRun',
      'GET /v1/runs/{id}': 'getRun',
      'GET /v1/migrations/{id}/gates/{phase}': 'askGate',
      'POST /v1/migrations/{id}/gates/{phase}': 'refreshGate',
    });
  });

  it('declares servers, a license and the bearer scheme on every operation that needs a token', async () => {
    expect(doc.servers).toEqual([{ url: '/', description: expect.any(String) }]);
    expect(doc.info.license).toEqual({ name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' });
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    for (const { route, op } of operations()) {
      const open = route === 'GET /healthz' || route === 'GET /readyz';
      expect(op.security, route).toEqual(open ? [{}, { bearer: [] }] : [{ bearer: [] }]);
    }
  });

  it('is true to the server: every operation that requires a token answers 401 without one', async () => {
    for (const { route, op } of operations()) {
      if (op.security.some((s: object) => Object.keys(s).length === 0)) continue;
      const [method, path] = route.split(' ') as [string, string];
      const response = await fx.request(method, path.replace(/\{\w+\}/g, 'x'));
      expect(response.status, route).toBe(401);
      expect((await json(response)).error.code, route).toBe('unauthorized');
    }
  });

  // A client generated from the document must send `respond` on every gate ask: without it the
  // server answers 400 respond_required. (HEAD, answered by status, is not in the document.)
  it('marks respond required on both gate operations, as the server enforces it', async () => {
    for (const route of ['GET /v1/migrations/{id}/gates/{phase}', 'POST /v1/migrations/{id}/gates/{phase}']) {
      const { op } = operations().find((o) => o.route === route)!;
      const respond = (op.parameters as Array<{ name: string; in: string; required?: boolean; schema: { enum?: string[] } }>).find((p) => p.name === 'respond');
      expect(respond, route).toMatchObject({ in: 'query', required: true, schema: { enum: ['body', 'status'] } });
    }
    const ask = await fx.request('GET', '/v1/migrations/x/gates/y', { token: 'reader-token-0123456789' });
    expect(ask.status).toBe(400);
    expect((await json(ask)).error.code).toBe('respond_required');
  });
});

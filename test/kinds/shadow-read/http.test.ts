/** shadow_read against a real HTTP service (hono on 127.0.0.1, port 0): the shadow read teams mean. */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareHttpPath, readHttpKey, type HttpPort } from '../../../src/kinds/shadow-read/http-read.js';
import { createShadowRead } from '../../../src/kinds/shadow-read/shadow-read.js';
import { createExecutionContext } from '../../../src/runner/context.js';
import { createLimiter } from '../../../src/concurrency/limiter.js';
import type { FinishedResult } from '../../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../../support/run-check.js';

let server: ServerType;
let base = '';
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  const app = new Hono();
  app.get('/users/:id', async (c) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2));
      const id = Number(c.req.param('id'));
      if (id % 97 === 0) return c.json({ error: 'not found' }, 404);
      // Numbers the way a careful API writes them: exact, a bigint beyond 2^53 included.
      const name = id % 31 === 0 ? `First${id} Lost${id}` : `First${id} Last${id}`;
      return c.body(`{"id": ${id}, "name": "${name}", "big": ${9007199254740993n + BigInt(id)}, "served_at": "${new Date().toISOString()}${Math.random()}"}`, 200, { 'content-type': 'application/json' });
    } finally {
      inFlight--;
    }
  });
  app.get('/broken/:id', (c) => c.text('boom', 500));
  app.get('/slow/:id', async (c) => { await new Promise((resolve) => setTimeout(resolve, 1_000)); return c.json({}); });
  app.get('/list/:id', (c) => c.json([1, 2]));
  await new Promise<void>((resolve) => { server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve()); });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe.each(engines)('shadow_read over HTTP with %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table users (id int primary key, first_name text, last_name text, big bigint);
      insert into users select g, 'First' || g, 'Last' || g, 9007199254740993 + g from generate_series(1, 2000) g`);
  });
  afterAll(() => db.close());

  async function run(newPath: string, extra = ''): Promise<FinishedResult> {
    const catalog = catalogFromYaml(`
checks:
  - id: users-http
    kind: shadow_read
    key: [id]
    sample: { size: 300, from: { source: app, table: users, side: old } }
    old: { source: app, query: "select id, first_name || ' ' || last_name as name, big from users where id = any($keys)" }
    new: ${newPath}
    compare: { ignore: [served_at] }
    max_mismatch_rate: 0.5
${extra}`, { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  }

  it('compares SQL rows with JSON documents: exact bigints, drift per field, 404 as missing', async () => {
    maxInFlight = 0;
    const result = await run(`{ http: "${base}/users/{id}", concurrency: 3 }`, '    samples: 1000');
    expect(result.error).toBeNull();
    const obs = result.observations as Record<string, any>;
    const drifted = result.samples.filter((s) => s.category === 'mismatch');
    const missing = result.samples.filter((s) => s.category === 'missing_in_new');
    expect(drifted.length + missing.length).toBe(obs.mismatches);
    for (const s of drifted) {
      expect(Number(s.key.id) % 31).toBe(0);
      expect(s.detail).toEqual({ fields: ['name'] });
    }
    for (const s of missing) expect(Number(s.key.id) % 97).toBe(0);
    expect(obs.mismatches_by_field.big).toBeUndefined(); // 9007199254740993 + id matched exactly
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('reports noisy HTTP fields under the A/A baseline instead of drift', async () => {
    // Old is SQL here, which is stable: no noise. Then flip the paths so the noisy service is read twice.
    const result = await run(`{ http: "${base}/users/{id}" }`, '    noise_baseline: true');
    expect(result.observations.noisy_fields).toEqual({});
    const catalog = catalogFromYaml(`
checks:
  - id: aa
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: app, table: users, side: old, where: "id % 31 <> 0 and id % 97 <> 0" } }
    old: { http: "${base}/users/{id}" }
    new: { source: app, query: "select id, first_name || ' ' || last_name as name, big, 'x' as served_at from users where id = any($keys)" }
    max_mismatch_rate: 0.5
    noise_baseline: true
`, { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      const aa = await execute(catalog.checks.get('aa')!, registry);
      // Was a pass (noisy fields excluded for every key). Noise is reported and reread, never
      // excused: a field that always varies must be listed in compare.ignore.
      expect(aa.observations).toMatchObject({ mismatches: 0, noisy_fields: { served_at: 100 }, noise_rate_by_field: { served_at: 1 }, unresolved_noise: 100 });
      expect(aa.status).toBe('error');
      expect(aa.error?.code).toBe('noise_unresolved');
    } finally {
      await registry.closeAll();
    }
  });

  it.each([
    ['broken', 'http_status'],
    ['slow', 'timeout'],
    ['list', 'invalid_response'],
  ])('treats /%s as could-not-verify (%s), never pass', async (path, code) => {
    // Only /slow gets the short timeout: on a loaded machine 200 ms could turn /broken into a timeout.
    const result = await run(`{ http: "${base}/${path}/{id}"${path === 'slow' ? ', timeout: 200ms' : ''} }`);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe(code);
  });

  it('reports a refused connection as could-not-verify', async () => {
    const result = await run('{ http: "http://127.0.0.1:9/users/{id}" }');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('connection');
  });
});

describe('the HTTP port', () => {
  it('routes every request through the injected port', async () => {
    const seen: string[] = [];
    const port: HttpPort = { fetch: async (url) => { seen.push(url); return new Response('{"id": "a/b c", "name": "a b"}', { status: 200 }); } };
    const path = { http: 'https://svc.internal/users/{id}?v=1', timeout: 1000, concurrency: 1, headers: {}, follow_redirects: 'same_origin' as const };
    const result = await readHttpKey(port, prepareHttpPath(path, ['id'], {}), ['id'], ['a/b c'], ['"a/b c"'], new AbortController().signal);
    expect(seen).toEqual(['https://svc.internal/users/a%2Fb%20c?v=1']);
    expect(result).toMatchObject({ kind: 'row', row: { name: 'a b' } });
  });

  it('is used by a kind built with createShadowRead', async () => {
    const db = await createTestDatabase('pglite');
    try {
      await db.exec('create table t (id int primary key, v text); insert into t select g, g::text from generate_series(1, 50) g');
      const calls: string[] = [];
      const kind = createShadowRead({ http: { fetch: async (url) => { calls.push(url); const id = url.split('/').pop(); return new Response(`{"id": ${id}, "v": "${id}"}`); } } });
      const catalog = catalogFromYaml(`
checks:
  - id: ported
    kind: shadow_read
    key: [id]
    sample: { size: 50, from: { source: app, table: t, side: old } }
    old: { source: app, query: "select id, v from t where id = any($keys)" }
    new: { http: "http://svc/{id}" }
    max_mismatch_rate: 0.1
`, { app: db });
      const registry = registryForCatalog(catalog, { app: db });
      const ctx = createExecutionContext({ checkId: 'ported', sources: registry, limiters: () => createLimiter(2), signal: new AbortController().signal, now: () => new Date() });
      const outcome = await kind.execute(catalog.checks.get('ported')!.spec as never, ctx, []);
      await registry.closeAll();
      expect(calls).toHaveLength(50);
      expect(outcome).toMatchObject({ status: 'pass', observations: { sample_size: 50, mismatches: 0 } });
    } finally {
      await db.close();
    }
  });
});

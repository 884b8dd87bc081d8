/**
 * Many consumers of a gate read only the HTTP status: `curl --fail`, `wget -q`, a Kubernetes HTTP
 * probe (200–399 is success), an uptime checker, a shell `if curl -sf …; then deploy`. In the old
 * default form a denial was a `200` with `allowed: false` in a body they never read — "go" for a
 * closed gate. Every gate request must now say which form it reads (`respond=body|status`); one
 * that does not is a `400 respond_required`, which every status reader takes as "no". HEAD is
 * answered by status whatever it says. Nothing about the request's spelling (repeated or
 * re-cased parameters, trailing slashes, encoded separators, conditional headers, other methods)
 * may turn a denial into a success status or into something a cache may keep.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParityApp } from '../../src/http/server.js';
import { loadConfig } from '../../src/config/config.js';
import { openService } from '../../src/service/service.js';
import { createTestStore, engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { createHttpFixture, json, type HttpFixture } from '../http/support.js';

const GATE = '/v1/migrations/users-split-name/gates/switch-reads';

/** How status-only consumers read a status: true when they go on. */
const statusReaders = {
  'curl --fail': (status: number) => status < 400,
  'wget -q': (status: number) => status < 400,
  'kubernetes httpGet probe': (status: number) => status >= 200 && status < 400,
  'uptime checker (2xx)': (status: number) => status >= 200 && status < 300,
  'flagger webhook': (status: number) => status <= 202,
};

describe.each(engines)('a gate asked without saying which form it reads, on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML });
    // A failing result on record: switch-reads is denied.
    expect((await fx.request('POST', '/v1/runs?wait=true', { body: { all: true } })).status).toBe(200);
  });
  afterAll(() => fx?.close());

  it('is 400 respond_required for a GET, never a success status a status reader takes as "go"', async () => {
    for (const target of [GATE, `${GATE}?`, `${GATE}?#respond=body`]) {
      const response = await fx.request('GET', target);
      expect(response.status, target).toBe(400);
      expect(response.headers.get('cache-control'), target).toBe('no-store');
      const body = await json(response);
      expect(body.error.code, target).toBe('respond_required');
      expect(body.allowed ?? false, target).toBe(false);
      for (const [reader, goesOn] of Object.entries(statusReaders)) expect(goesOn(response.status), `${reader} on GET ${target}`).toBe(false);
    }
  });

  it('is 400 respond_required for a POST with no body, or an empty one, and runs nothing', async () => {
    const runsBefore = (await json(await fx.request('GET', '/v1/runs?limit=100'))).runs.length;
    for (const [target, init] of [
      [GATE, {}],
      [GATE, { raw: '' }],
      [GATE, { raw: '   ' }],
      [`${GATE}?refresh=true`, {}],
      [`${GATE}?refresh=1`, { raw: '' }],
    ] as const) {
      const response = await fx.request('POST', target, init);
      expect(response.status, `POST ${target}`).toBe(400);
      expect((await json(response)).error.code, `POST ${target}`).toBe('respond_required');
    }
    // A refresh refused for want of `respond` started no run.
    expect((await json(await fx.request('GET', '/v1/runs?limit=100'))).runs.length).toBe(runsBefore);
  });

  it('is a denial in both explicit forms: 412 by status, allowed:false in a 200 by body', async () => {
    const byStatus = await fx.request('GET', `${GATE}?respond=status`);
    expect(byStatus.status).toBe(412);
    expect((await json(byStatus)).allowed).toBe(false);
    const byBody = await fx.request('GET', `${GATE}?respond=body`);
    expect(byBody.status).toBe(200);
    expect((await json(byBody)).allowed).toBe(false);
    const posted = await fx.request('POST', `${GATE}?respond=status`);
    expect(posted.status).toBe(412);
  });

  it('refuses a repeated, re-cased, empty or valueless respond instead of picking one', async () => {
    for (const query of [
      'respond=status&respond=body', 'respond=body&respond=status', 'respond=body&respond=body',
      'Respond=status', 'RESPOND=status', 'respond=STATUS', 'respond=Body', 'respond=', 'respond',
      'respond=status,body', 'respond=status%00', 'respond=%20status', 'respond[]=status', 'respond=body&refresh=',
    ]) {
      for (const method of ['GET', 'POST']) {
        const response = await fx.request(method, `${GATE}?${query}`);
        expect([400, 422], `${method} ?${query}`).toContain(response.status);
        expect(response.headers.get('cache-control'), `${method} ?${query}`).toBe('no-store');
      }
    }
  });

  it('answers a misspelt path with no success status: trailing slash, doubled slash, encoded separator, other case', async () => {
    for (const target of [
      `${GATE}/?respond=body`, `${GATE}//?respond=body`, '/v1/migrations/users-split-name//gates/switch-reads?respond=body',
      '/v1/migrations/users-split-name%2Fgates%2Fswitch-reads?respond=body', '/v1/migrations/users-split-name/gates%2Fswitch-reads?respond=body',
      '/v1/migrations/Users-Split-Name/gates/switch-reads?respond=body', '/v1/migrations/users-split-name/gates/Switch-Reads?respond=body',
      '/V1/migrations/users-split-name/gates/switch-reads?respond=body', `${GATE}%20?respond=body`, `${GATE};respond=body`,
      `${GATE}.json?respond=body`,
    ]) {
      const response = await fx.request('GET', target);
      expect(response.status, target).toBeGreaterThanOrEqual(400);
    }
  });

  it('never answers a conditional request 304, nor gives a validator a cache could revalidate an old allow with', async () => {
    const first = await fx.request('GET', `${GATE}?respond=body`);
    expect(first.headers.get('etag')).toBeNull();
    expect(first.headers.get('last-modified')).toBeNull();
    for (const headers of [{ 'if-none-match': '*' }, { 'if-none-match': 'W/"x"' }, { 'if-modified-since': new Date(Date.now() + 86_400_000).toUTCString() }] as Record<string, string>[]) {
      for (const query of ['?respond=body', '?respond=status']) {
        const response = await fx.request('GET', `${GATE}${query}`, { headers });
        expect(response.status, `${JSON.stringify(headers)} ${query}`).not.toBe(304);
        expect(response.headers.get('cache-control')).toBe('no-store');
      }
    }
  });

  it('gives other methods no success status', async () => {
    for (const method of ['OPTIONS', 'PUT', 'PATCH', 'DELETE']) {
      const response = await fx.request(method, `${GATE}?respond=body`);
      expect(response.status, method).toBeGreaterThanOrEqual(400);
    }
  });

  it('marks every refusal no-store too: a cache may keep no answer of a gate route', async () => {
    for (const [method, target] of [
      ['GET', GATE], ['GET', `${GATE}?respond=nope`], ['GET', '/v1/migrations/nope/gates/x?respond=body'],
      ['GET', `${GATE}?respond=body&refresh=true`], ['HEAD', GATE],
    ] as const) {
      const response = await fx.request(method, target);
      expect(response.headers.get('cache-control'), `${method} ${target}`).toBe('no-store');
    }
  });

  it('answers HEAD by status with or without respond (no body to read), and allows once the data is repaired', async () => {
    expect((await fx.request('HEAD', GATE)).status).toBe(412);
    await fx.db.exec("update users set last_name = 'Last' || id where id in (7, 42)");
    expect((await fx.request('POST', '/v1/runs?wait=true', { body: { all: true } })).status).toBe(200);
    expect((await fx.request('HEAD', GATE)).status).toBe(200);
    expect((await fx.request('GET', `${GATE}?respond=status`)).status).toBe(200);
    // Still a 400 without respond, allowed or not: the form never depends on the answer.
    expect((await fx.request('GET', GATE)).status).toBe(400);
    await fx.db.exec("update users set last_name = 'Wrong' where id in (7, 42)");
  });
});

describe.each(engines)('a migration id declared in two check files, on %s', (engine) => {
  it('is no answer from either file: the gate cannot be evaluated (503), never 200', async () => {
    const fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML });
    const store = await createTestStore(engine);
    try {
      // A second file in the same directory declaring the same migration, with a phase that would pass.
      await writeFile(path.join(fx.service.config.checksDir, 'other.yaml'), `
migrations:
  - id: users-split-name
    phases:
      - name: switch-reads
        requires: [users-row-count]
`);
      await fx.db.exec("update users set last_name = 'Last' || id where id in (7, 42)");
      for (const query of ['?respond=body', '?respond=status']) {
        const response = await fx.request('GET', `${GATE}${query}`);
        expect(response.status, query).toBe(503);
        expect((await json(response)).allowed).toBe(false);
      }
      // And a server started on such files serves no allowing answer either.
      const config = loadConfig({}, { checksDir: fx.service.config.checksDir, dataDir: fx.db.dataDir });
      const fresh = await openService(config, { store: store.store, env: {} }).catch(() => undefined);
      if (fresh) {
        try {
          const response = await createParityApp({ service: fresh }).request(`${GATE}?respond=status`);
          expect(response.status).not.toBe(200);
        } finally {
          await fresh.close();
        }
      }
    } finally {
      await store.close();
      await fx.close();
    }
  });
});

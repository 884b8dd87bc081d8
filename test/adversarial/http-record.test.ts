/**
 * Adversarial: what an HTTP read path's body is taken to say, against real local services
 * (node:http on 127.0.0.1, port 0) whose two answers differ in ways a lenient reader hides —
 * bytes that are not UTF-8, a key-named member the key check never looked at. Each was a pass.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

type Route = (id: string) => { status?: number; headers?: Record<string, string>; body: string | Buffer };

let server: http.Server;
let base = '';

const routes: Record<string, Route> = {
  plain: (id) => ({ body: `{"id": ${id}, "v": "caf\u00e9"}` }),
  // The same bodies at another address: a check may not compare one path with itself.
  'plain-again': (id) => ({ body: `{"id": ${id}, "v": "caf\u00e9"}` }),
  // Latin-1 "é" (0xE9) and "è" (0xE8): two different bytes, each invalid as UTF-8.
  latin1: (id) => ({ body: Buffer.from(`{"id": ${id}, "v": "caf\u00e9"}`, 'latin1') }),
  'latin1-other': (id) => ({ body: Buffer.from(`{"id": ${id}, "v": "caf\u00e8"}`, 'latin1') }),
  'lone-continuation': (id) => ({ body: Buffer.concat([Buffer.from(`{"id": ${id}, "v": "caf`), Buffer.from([0x80]), Buffer.from('"}')]) }),
  'overlong': (id) => ({ body: Buffer.concat([Buffer.from(`{"id": ${id}, "v": "caf`), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]) }),
  'surrogate-bytes': (id) => ({ body: Buffer.concat([Buffer.from(`{"id": ${id}, "v": "caf`), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]) }),
  'cut-sequence': (id) => ({ body: Buffer.concat([Buffer.from(`{"id": ${id}, "v": "caf`), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]) }),
  replacement: (id) => ({ body: `{"id": ${id}, "v": "caf\ufffd"}` }),
  bom: (id) => ({ body: `\ufeff{"id": ${id}, "v": "caf\u00e9"}` }),
  // The record's key sits in data.id; the top-level "id" is the public id, and the new path gets it wrong.
  'public-id': (id) => ({ body: `{"id": "usr_${id}", "data": {"id": ${id}}, "v": 1}` }),
  'public-id-again': (id) => ({ body: `{"id": "usr_${id}", "data": {"id": ${id}}, "v": 1}` }),
  'public-id-wrong': (id) => ({ body: `{"id": "usr_0", "data": {"id": ${id}}, "v": 1}` }),
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const [, route = '', id = ''] = /^\/([^/]+)\/([^/?]*)/.exec(req.url ?? '') ?? [];
    const answer = routes[route]?.(decodeURIComponent(id)) ?? { status: 404, body: '{}' };
    res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

describe.each(engines)('what an HTTP body says, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table t (id int primary key); insert into t select g from generate_series(1, 60) g');
  });
  afterAll(() => db.close());

  async function run(oldPath: string, newPath: string, extra = ''): Promise<FinishedResult> {
    const catalog = catalogFromYaml(`
checks:
  - id: http-record
    kind: shadow_read
    key: [id]
    sample: { size: 60, from: { source: app, table: t, side: old } }
    old: ${oldPath}
    new: ${newPath}
    max_mismatch_rate: 0.5
    confidence: 0.9
${extra}`, { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  }
  const at = (route: string) => `{ http: "${base}/${route}/{id}" }`;

  it('passes two honest UTF-8 bodies (the control)', async () => {
    const result = await run(at('plain'), at('plain-again'));
    expect(result.error).toBeNull();
    expect(result.status).toBe('pass');
  });

  // Was a pass: bodies were decoded with replacement, so every invalid byte sequence became U+FFFD
  // and two different bodies became one text.
  it.each(['latin1-other', 'lone-continuation', 'overlong', 'surrogate-bytes', 'cut-sequence', 'replacement'])('never passes /latin1 against /%s: bytes that are not UTF-8 are could-not-verify', async (route) => {
    const result = await run(at('latin1'), at(route));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('invalid_response');
    expect(result.error?.message).toContain('UTF-8');
  });

  // Was a pass: the key columns' names were left out of the comparison as "already matched", even
  // where key_field had checked the key somewhere else and the member of that name was never looked at.
  it('compares a top-level member named like a key column when key_field puts the key elsewhere', async () => {
    const wrapped = (route: string) => `{ http: "${base}/${route}/{id}", key_field: /data/id }`;
    expect((await run(wrapped('public-id'), wrapped('public-id-again'))).status).toBe('pass');
    const result = await run(wrapped('public-id'), wrapped('public-id-wrong'));
    expect(result.status).toBe('fail');
    expect(result.observations.mismatches_by_field).toEqual({ id: 60 });
    const mixed = await run('{ source: app, query: "select id, 1 as v from t where id = any($keys)" }', `{ http: "${base}/public-id/{id}", key_field: { id: /data/id } }`, '    compare: { ignore: [data] }');
    expect(mixed.status).toBe('fail');
    expect(mixed.observations.mismatches_by_field).toEqual({ id: 60 });
  });

  it('refuses a body that starts with a byte order mark, as JSON (RFC 8259) says it must not', async () => {
    const result = await run(at('plain'), at('bom'));
    expect(result).toMatchObject({ status: 'error', error: { code: 'invalid_response' } });
  });
});

/**
 * Configuration that could leak or go stale, attacked through the real app (app.request) on both
 * store engines: environment values in check files stay secret everywhere parity prints; the
 * server judges by the files on disk, never by a catalog it loaded before an edit; a stranger's
 * GET has no effects; a gate's HTTP status can carry its answer.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { CheckFileError } from '../../src/checkfile/problems.js';
import { openEmbedded } from '../../src/embedded/pglite.js';
import { createTestStore, engines } from '../support/databases.js';
import { createHttpFixture, json, type HttpFixture } from '../http/support.js';
import { SPAWN_TIMEOUT_MS, cleanEnv, removeTempDirs, runParity, startParity, tempDir } from '../support/spawn-parity.js';

const LEAK = { LEAK_USER: 'leakuser7f3a', LEAK_PW: 'leakpw-9c1e', LEAK_DB: 'leakdb_b52d', LEAK_PATH: 'leakpath-e81c', LEAK_DB2: 'leakdb_missing_44aa' };
/** Every form a leaked value could take in output: raw, percent-encoded. */
const leakedForms = Object.values(LEAK).flatMap((v) => [v, encodeURIComponent(v)]);

const expectNoLeak = (label: string, text: string) => {
  for (const form of leakedForms) expect(text, `${label} shows ${form}`).not.toContain(form);
};

const GATE_CHECKS = `
checks:
  - id: gate-empty
    kind: sql_assert
    source: app
    query: "select id from gate"
migrations:
  - id: m
    phases:
      - { name: p, requires: [gate-empty] }
`;

describe.each(engines)('environment values in check files stay secret on %s', (engine) => {
  let fx: HttpFixture;
  const RUN = 'runner-token-0123456789';
  beforeAll(async () => {
    // On Postgres a missing database makes the driver's own error name it: redaction must catch that too.
    const missingDb = engine === 'postgres' ? `  missingdb: { url: "${process.env.TEST_DATABASE_URL!.replace(/\/[^/?]*(\?|$)/, '/${LEAK_DB2}$1')}" }\n` : '';
    fx = await createHttpFixture(engine, {
      tokens: `runner:${RUN}:read+run`,
      env: LEAK,
      extraSources: `  leaky: { url: "postgres://\${LEAK_USER}:\${LEAK_PW}@127.0.0.1:1/\${LEAK_DB}?application_name=\${LEAK_PATH}" }\n${missingDb}`,
      checks: `checks:
  - { id: leaky-check, kind: sql_assert, source: leaky, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
${engine === 'postgres' ? '  - { id: missing-db-check, kind: sql_assert, source: missingdb, query: "select 1 from pg_namespace where nspname = \'parity_never\'" }\n' : ''}migrations:
  - id: leaky
    phases:
      - { name: p, requires: [leaky-check] }
`,
    });
  });
  afterAll(() => fx?.close());

  it('shows the ${VAR} template in GET /v1/checks, and no value in any response, stored result or log line', async () => {
    const token = { token: RUN };
    const run = await json(await fx.request('POST', '/v1/runs?wait=true', { ...token, body: { all: true } }));
    expect(run.run.status).toBe('finished');
    const statuses = Object.fromEntries(run.run.results.map((r: any) => [r.check_id, r.status]));
    expect(statuses).toMatchObject({ 'leaky-check': 'error' });
    if (engine === 'postgres') expect(statuses['missing-db-check']).toBe('error');

    const checks = await fx.request('GET', '/v1/checks', token);
    const checksText = await checks.text();
    const leaky = JSON.parse(checksText).checks.find((c: any) => c.id === 'leaky-check');
    expect(leaky.sources[0].url).toBe('postgres://${LEAK_USER}:***@127.0.0.1:1/${LEAK_DB}?application_name=${LEAK_PATH}');

    const bodies = [checksText, JSON.stringify(run)];
    for (const url of ['/v1/runs', `/v1/runs/${run.run.id}`, '/v1/checks/leaky-check/results',
      '/v1/migrations/leaky', '/v1/migrations/leaky/gates/p?respond=body', '/readyz', '/']) {
      bodies.push(await (await fx.request('GET', url, token)).text());
    }
    bodies.push(await (await fx.request('POST', '/v1/migrations/leaky/gates/p?refresh=true&respond=body', token)).text());
    for (const body of bodies) expectNoLeak('a response', body);

    for (const id of ['leaky-check', 'missing-db-check']) {
      expectNoLeak(`stored ${id}`, JSON.stringify(await fx.service.store.checkHistory(id, 10)));
    }
    const logs = fx.logs();
    expect(logs).toContain('leaky-check');
    expectNoLeak('the log', logs);
  });
});

describe.each(engines)('a value interpolated into a shadow_read http URL stays secret on %s', (engine) => {
  let http: HttpFixture;
  const RUN = 'runner-token-0123456789';
  beforeAll(async () => {
    http = await createHttpFixture(engine, {
      tokens: `runner:${RUN}:read+run`,
      env: LEAK,
      checks: `checks:
  - id: leaky-http
    kind: shadow_read
    key: [id]
    sample: { size: 5, from: { source: app, table: public.users, side: old } }
    old: { http: "http://127.0.0.1:1/\${LEAK_PATH}/{id}" }
    new: { source: app, query: "select id, full_name from users where id = any($keys)" }
    max_mismatch_rate: 0.1
`,
    });
  });
  afterAll(() => http?.close());

  it('keeps a value interpolated into a shadow_read http URL out of results, responses and logs', async () => {
    const run = await json(await http.request('POST', '/v1/runs?wait=true', { token: RUN, body: { all: true } }));
    expect(run.run.results[0]).toMatchObject({ check_id: 'leaky-http', status: 'error' });
    const bodies = [JSON.stringify(run), await (await http.request('GET', '/v1/checks/leaky-http/results', { token: RUN })).text()];
    for (const body of bodies) expectNoLeak('a response', body);
    expectNoLeak('the stored result', JSON.stringify(await http.service.store.checkHistory('leaky-http', 10)));
    expect(http.logs()).toContain('leaky-http');
    expectNoLeak('the log', http.logs());
  });
});

describe('environment values in problems and CLI output', () => {
  afterAll(() => removeTempDirs());

  it('names ${VAR}, never its value, in a problem with the value, even percent-encoded', async () => {
    const dir = await tempDir('parity-leak-');
    await writeFile(path.join(dir, 'a.yaml'), 'sources:\n  app: { url: "mysql://u:${LEAK_PW}@h/${SPACED}" }\n');
    const env = { ...LEAK, SPACED: 'leak db{x}' };
    const error = await loadCatalog(dir, env).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFileError);
    const text = JSON.stringify((error as CheckFileError).problems);
    expect(text).toContain('${SPACED}');
    for (const form of [...leakedForms, 'leak db{x}', encodeURI('leak db{x}'), encodeURIComponent('leak db{x}')]) expect(text).not.toContain(form);

    const cli = await runParity(['validate', '--checks', dir], { cwd: dir, env: cleanEnv(env) });
    expect(cli.code).toBe(64);
    expect(cli.stderr + cli.stdout).toContain('a.yaml:2:');
    for (const form of [...leakedForms, encodeURI('leak db{x}')]) expect(cli.stderr + cli.stdout).not.toContain(form);
  }, 60_000);

  const APP = 'sources:\n  app: { url: "embedded:app" }\n';
  it.each([
    ['a SQL query', `${APP}checks:\n  - { id: a, kind: sql_assert, source: app, query: "select 1 where tenant = '\${TENANT}'" }\n`, 'checks[0].query', 4],
    ['a table name', `${APP}checks:\n  - { id: a, kind: null_check, source: app, table: "\${SCHEMA}.t", columns: [x] }\n`, 'checks[0].table', 4],
    ['a description', `${APP}checks:\n  - { id: a, kind: sql_assert, source: app, query: "select 1", description: "\${X}" }\n`, 'checks[0].description', 4],
    ['a where predicate', `${APP}checks:\n  - { id: a, kind: null_check, source: app, table: t, columns: [x], where: "k = \${K}" }\n`, 'checks[0].where', 4],
    ['a list item', `${APP}checks:\n  - { id: a, kind: null_check, source: app, table: t, columns: ["\${COL}"] }\n`, 'checks[0].columns[0]', 4],
    ['a source description', 'sources:\n  b: { url: "embedded:b", description: "\${X}" }\n', 'sources.b.description', 2],
    ['a key', `${APP}checks:\n  - { id: a, kind: sql_assert, source: app, query: "select 1", "\${X}": 1 }\n`, 'checks[0].${X}', 4],
    ['a migration', `${APP}checks:\n  - { id: a, kind: sql_assert, source: app, query: "select 1" }\nmigrations:\n  - { id: "m\${X}", phases: [{ name: p, requires: [a] }] }\n`, 'migrations[0].id', 6],
    ['a malformed reference in a url', 'sources:\n  b: { url: "postgres://h/\${1DB}" }\n', 'sources.b.url', 2],
    ['an unterminated reference in a url', 'sources:\n  b: { url: "postgres://h/\${DB" }\n', 'sources.b.url', 2],
    ['a default-less colon form in a url', 'sources:\n  b: { url: "postgres://h/\${DB:db}" }\n', 'sources.b.url', 2],
  ])('rejects ${ in %s at file:line:column', async (_label, text, key, line) => {
    const dir = await tempDir('parity-interp-');
    await writeFile(path.join(dir, 'a.yaml'), text);
    const error = await loadCatalog(dir, { TENANT: 't1', SCHEMA: 'public', X: 'x', K: '1', DB: 'db', COL: 'c' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CheckFileError);
    const problems = (error as CheckFileError).problems;
    expect(problems.find((p) => p.path === key), JSON.stringify(problems)).toMatchObject({
      file: expect.stringContaining('a.yaml'), line, column: expect.any(Number), message: expect.stringMatching(/not allowed|malformed/),
    });
  });
});

describe.each(engines)('the server judges by the files on disk on %s', (engine) => {
  let fx: HttpFixture;
  let file: string;
  let original: string;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: GATE_CHECKS });
    file = path.join(fx.service.config.checksDir, 'checks.yaml');
    original = await readFile(file, 'utf8');
  });
  afterAll(() => fx.close());
  const gate = (method: 'GET' | 'POST', query = '?respond=body') => fx.request(method, `/v1/migrations/m/gates/p${query}`);

  it('denies a refresh after an edit that makes the check fail, with no reload call', async () => {
    expect(await json(await gate('POST', '?refresh=true&respond=body'))).toMatchObject({ allowed: true });
    await writeFile(file, original.replace('select id from gate', 'select 1 as id'));
    const refreshed = await json(await gate('POST', '?refresh=true&respond=body'));
    expect(refreshed).toMatchObject({ allowed: false, refreshed: true });
    await writeFile(file, original);
    expect(await json(await gate('POST', '?refresh=true&respond=body'))).toMatchObject({ allowed: true });
  });

  it('does not count a pass of the old definition after an edit, even without a refresh', async () => {
    expect(await json(await gate('POST', '?refresh=true&respond=body'))).toMatchObject({ allowed: true });
    await writeFile(file, original.replace('select id from gate', 'select id from gate where id > 0'));
    const answer = await json(await gate('GET'));
    expect(answer.allowed).toBe(false);
    expect(answer.reasons.join(' ')).toMatch(/definition/);
    await writeFile(file, original);
  });

  it('closes every gate (503), refuses runs and reload (422) and reports degraded readiness while the files do not load', async () => {
    await gate('POST', '?refresh=true&respond=body');
    await writeFile(file, original.replace('kind: sql_assert', 'kind: sql_asert'));
    try {
      const denied = await gate('GET');
      expect(denied.status).toBe(503);
      const body = await json(denied);
      expect(body).toMatchObject({ allowed: false, evaluated: false, error: { code: 'gate_unavailable' } });
      expect(body.reasons[0]).toMatch(/checks\.yaml:\d+:\d+/);
      expect((await gate('POST', '?respond=status')).status).toBe(503);
      const preview = await json(await fx.request('GET', '/v1/migrations/m'));
      expect(preview.migration.gates[0].allowed).toBe(false);
      expect((await fx.request('POST', '/v1/runs', { body: { all: true } })).status).toBe(422);
      const reload = await fx.request('POST', '/v1/reload');
      expect(reload.status).toBe(422);
      expect((await json(reload)).error.code).toBe('invalid_check_files');
      const ready = await json(await fx.request('GET', '/readyz'));
      expect(ready).toMatchObject({ status: 'degraded', catalog: { valid: false, problems: [expect.stringMatching(/checks\.yaml:\d+:\d+: checks\[0\]\.kind/)] } });
      expect(fx.logs()).toContain('check files do not load');
    } finally {
      await writeFile(file, original);
    }
    expect((await fx.request('POST', '/v1/reload')).status).toBe(200);
    expect((await json(await fx.request('GET', '/readyz'))).status).toBe('ready');
  });

  it('rejects GET ?refresh with 400 and misspelt gate parameters with 422, instead of answering another question', async () => {
    for (const query of ['?refresh=true', '?refresh=1', '?refresh=false', '?respond=body&refresh=true', '?respond=status&refresh=1']) {
      const response = await gate('GET', query);
      expect(response.status).toBe(400);
      expect((await json(response)).error).toMatchObject({ code: 'refresh_requires_post', message: expect.stringContaining('POST') });
    }
    for (const query of ['?refesh=true', '?respond=bogus', '?respond=STATUS', '?respond=body&refesh=true']) expect((await gate('GET', query)).status).toBe(422);
    expect((await gate('POST', '?refesh=true&respond=body')).status).toBe(422);
  });

  it('answers ?respond=status with 200 allowed and 412 denied, body unchanged, on GET and POST', async () => {
    await gate('POST', '?refresh=true&respond=body');
    for (const method of ['GET', 'POST'] as const) {
      const allowed = await gate(method, '?respond=status');
      expect(allowed.status).toBe(200);
      expect((await json(allowed)).allowed).toBe(true);
      expect((await gate(method)).status).toBe(200);
    }
    await fx.db.exec('insert into gate values (1)');
    try {
      const denied = await gate('POST', '?refresh=true&respond=status');
      expect(denied.status).toBe(412);
      expect(await json(denied)).toMatchObject({ allowed: false, refreshed: true, evaluated: true, id: expect.any(String) });
      expect((await gate('GET', '?respond=status')).status).toBe(412);
      // With respond=body the answer stays 200 for pollers that read `allowed`.
      expect((await gate('GET')).status).toBe(200);
    } finally {
      await fx.db.exec('delete from gate');
    }
  });

  it('refuses cross-site browser GETs of a gate without recording a decision', async () => {
    const before = (await json(await fx.request('GET', '/v1/migrations/m/decisions'))).decisions.length;
    const foreignHeaders: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.example' }, { origin: 'null' },
      { referer: 'https://evil.example/page' },
    ];
    for (const headers of foreignHeaders) {
      for (const query of ['', '?respond=status']) {
        const response = await fx.request('GET', `/v1/migrations/m/gates/p${query}`, { headers });
        expect(response.status, JSON.stringify(headers)).toBe(403);
        expect((await json(response)).error.code).toBe('cross_origin');
      }
    }
    expect((await json(await fx.request('GET', '/v1/migrations/m/decisions'))).decisions.length).toBe(before);
    // The operator's own calls still record: each answer names its decision (a new row, or a
    // repeat counted on the row of an identical earlier answer).
    for (const headers of [{ 'sec-fetch-site': 'none' }, { origin: 'http://localhost' }] as Record<string, string>[]) {
      const response = await fx.request('GET', '/v1/migrations/m/gates/p?respond=body', { headers });
      expect(response.status).toBe(200);
      const id = (await json(response)).id as string;
      expect(typeof id).toBe('string');
      const recorded = (await json(await fx.request('GET', '/v1/migrations/m/decisions'))).decisions.map((d: { id: string }) => d.id);
      expect(recorded).toContain(id);
    }
  });

  it('answers /readyz from the last probe: a stranger never makes it connect, nor learns source names', async () => {
    const down = await createHttpFixture(engine, { tokens: 'reader:reader-token-0123456789:read', extraSources: '  remote: { url: "postgres://u@127.0.0.1:1/db" }\n' });
    try {
      const probes = () => down.logs().split('readiness probe failed').length;
      const before = probes();
      const answers = [];
      for (let i = 0; i < 3; i++) {
        const response = await down.request('GET', '/readyz', { headers: { 'sec-fetch-site': 'cross-site' } });
        expect(response.status).toBe(503);
        answers.push(await response.text());
      }
      expect(probes()).toBe(before);
      for (const text of answers) expect(text).not.toContain('remote');
      const detailed = await down.request('GET', '/readyz', { token: 'reader-token-0123456789' });
      expect((await json(detailed)).error.details.sources.remote).toMatchObject({ status: 'error', code: 'connection' });
    } finally {
      await down.close();
    }
  });
});

describe.each(engines)('a running parity serve follows its check files on %s', (engine) => {
  afterAll(() => removeTempDirs());

  it('reloads on file changes and SIGHUP (and lives), reports invalid edits in metrics, readiness and the log, and denies a refreshed gate after an edit', async () => {
    const cwd = await tempDir('parity-reload-');
    const dataDir = path.join(cwd, '.parity');
    const { db, release } = await openEmbedded(dataDir, 'app');
    await db.exec('create table gate (id int)');
    await release();
    await mkdir(path.join(cwd, 'checks'));
    const file = path.join(cwd, 'checks', 'gate.yaml');
    const valid = `sources:\n  app: { url: "embedded:app" }\n${GATE_CHECKS}`;
    await writeFile(file, valid);
    const store = engine === 'postgres' ? await createTestStore('postgres') : undefined;
    const server = startParity(['serve', '--port', '0'], {
      cwd, env: cleanEnv({ PARITY_LOG_LEVEL: 'info', ...(store?.url ? { DATABASE_URL: store.url } : {}) }),
    });
    try {
      const [, url] = await server.waitFor(/parity listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const gate = (query: string) => fetch(`${url}/v1/migrations/m/gates/p${query}`, { method: 'POST' });
      expect((await gate('?refresh=true&respond=status')).status).toBe(200);

      // An edit that makes the check fail: the watcher reloads with no request at all…
      await writeFile(file, valid.replace('select id from gate', 'select 1 as id'));
      await server.waitFor(/check files reloaded/);
      // …and the refreshed gate runs the new definition.
      expect((await gate('?refresh=true&respond=status')).status).toBe(412);

      await writeFile(file, valid.replace('kind: sql_assert', 'kind: sql_asert'));
      await server.waitFor(/check files do not load/);
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/^parity_catalog_valid(\{[^}]*\})? 0$/m);
      expect(metrics).toMatch(/^parity_catalog_reload_failures_total(\{[^}]*\})? [1-9]/m);
      expect(await (await fetch(`${url}/readyz`)).json()).toMatchObject({ status: 'degraded', catalog: { valid: false } });
      expect((await gate('?respond=status')).status).toBe(503);

      await writeFile(file, valid);
      await server.waitFor(/check files reloaded[\s\S]*check files reloaded/);
      process.kill(server.child.pid!, 'SIGHUP');
      await server.waitFor(/reloading the check files/);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      expect((await gate('?refresh=true&respond=status')).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
      await store?.close();
    }
    expect((await server.exited).code).toBe(0);
  }, SPAWN_TIMEOUT_MS + 30_000);
});

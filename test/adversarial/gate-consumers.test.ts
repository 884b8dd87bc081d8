/**
 * What sits between a gate and the tool that acts on it must not turn "denied" or "could not
 * evaluate" into "go": an HTTP cache replaying an earlier allow, a `parity gate --server` that asks
 * another server than the one named, takes an unrefreshed answer for the refresh it asked for, or
 * exits 0 on an answer no gate can give.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeForRun } from '../../src/cli/commands/run.js';
import { junitForRun } from '../../src/cli/report-junit.js';
import { markdownForRun } from '../../src/cli/report-markdown.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { runMain } from '../support/run-main.js';
import { createHttpFixture, type HttpFixture } from '../http/support.js';

const GATE = '/v1/migrations/users-split-name/gates/switch-reads';

describe.each(engines)('gate answers are never kept by an HTTP cache, on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML });
    // Repair the two planted mismatches: switch-reads then opens; a row in `gate` keeps contract closed.
    await fx.db.exec("update users set last_name = 'Last' || id where id in (7, 42); insert into gate values (1)");
    expect((await fx.request('POST', '/v1/runs?wait=true', { body: { all: true } })).status).toBe(200);
  });
  afterAll(() => fx?.close());

  /** No cache, shared or private, may store it and replay it later (RFC 9111 §5.2.2.5). */
  const expectNoStore = (response: Response, what: string) => {
    expect(response.headers.get('cache-control') ?? '', what).toMatch(/\bno-store\b/);
  };

  it('marks every form of a gate answer no-store: allowed, denied, could not evaluate', async () => {
    // A 200 with no freshness information may be reused heuristically by any cache on the way.
    const allowed = await fx.request('GET', `${GATE}?respond=body`);
    expect(allowed.status).toBe(200);
    expect((await allowed.json() as any).allowed).toBe(true);
    expectNoStore(allowed, 'GET gate (allowed)');
    expectNoStore(await fx.request('HEAD', GATE), 'HEAD gate');
    expectNoStore(await fx.request('GET', `${GATE}?respond=status`), 'GET gate ?respond=status');
    expectNoStore(await fx.request('POST', `${GATE}?respond=body`), 'POST gate');
    expectNoStore(await fx.request('GET', GATE), 'GET gate without respond (400)');
    const denied = await fx.request('GET', '/v1/migrations/users-split-name/gates/contract?respond=status');
    expect(denied.status).toBe(412);
    expectNoStore(denied, 'GET gate (412)');
    expectNoStore(await fx.request('GET', '/v1/migrations/users-split-name'), 'GET migration (previews)');
    expectNoStore(await fx.request('POST', '/ofrep/v1/evaluate/flags/users-split-name%2Fswitch-reads'), 'OFREP flag');
    expectNoStore(await fx.request('POST', '/ofrep/v1/evaluate/flags'), 'OFREP bulk');
    // Could not evaluate (the check files on disk do not load): a 503 a cache must not keep either.
    const broken = path.join(fx.service.config.checksDir, 'broken.yaml');
    await writeFile(broken, 'checks:\n  - { id: oops, kind: no_such_kind }\n');
    try {
      const unavailable = await fx.request('GET', `${GATE}?respond=body`);
      expect(unavailable.status).toBe(503);
      expectNoStore(unavailable, 'GET gate (503)');
    } finally {
      await rm(broken);
      await fx.service.ensureCurrentCatalog();
    }
  });
});

/** A stand-in server: `answer` decides every response. */
async function fakeServer(answer: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const pass = { id: 'users-name-parity', status: 'pass', result_id: 'r1', finished_at: new Date().toISOString(), age_s: 1, max_age_s: 3600, required_by: ['switch-reads'], reason: null, denial: null };

function decision(overrides: Record<string, unknown>) {
  return {
    migration: 'users-split-name', phase: 'switch-reads', allowed: true, evaluated_at: new Date().toISOString(), checks: [pass], reasons: [],
    id: 'd1', requested_by: null, refreshed: false, run_id: null, evaluated: true, ...overrides,
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

describe('parity gate --server reads only the answer it asked for', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-gate-consumers-'));
    await writeFile(path.join(dir, 'placeholder.txt'), '');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const gate = (args: string[]) => runMain(['gate', 'users-split-name', 'switch-reads', ...args], { cwd: dir, env: { PATH: process.env.PATH!, PARITY_LOG_LEVEL: 'silent' } });

  it('asks the server under the path the URL names, not the host\'s root', async () => {
    // One host, two deployments: production under /prod denies, the one at the root allows.
    const host = await fakeServer((request, response) => {
      if (request.url?.startsWith('/prod/v1/')) sendJson(response, 200, decision({ allowed: false, checks: [{ ...pass, status: 'fail', reason: 'check "users-name-parity" failed', denial: 'failed' }], reasons: ['check "users-name-parity" failed'] }));
      else if (request.url?.startsWith('/v1/')) sendJson(response, 200, decision({}));
      else sendJson(response, 404, { error: { code: 'not_found', message: 'no route' } });
    });
    try {
      expect((await gate(['--server', `${host.url}/prod`])).code).toBe(1);
      expect((await gate(['--server', `${host.url}/prod/`])).code).toBe(1);
      expect((await gate(['--server', host.url])).code).toBe(0);
    } finally {
      await host.close();
    }
  });

  it('follows no redirect: another server\'s "allowed" for a gate of the same name is not the named server\'s', async () => {
    const elsewhere = await fakeServer((_, response) => sendJson(response, 200, decision({})));
    const named = await fakeServer((request, response) => {
      response.writeHead(request.url?.includes('/gates/') ? 307 : 404, { location: `${elsewhere.url}${request.url ?? ''}` });
      response.end();
    });
    try {
      expect((await gate(['--server', elsewhere.url])).code).toBe(0);
      for (const args of [['--server', named.url], ['--refresh', '--server', named.url]]) {
        const asked = await gate(args);
        expect(asked.code, args.join(' ')).toBe(2);
        expect(asked.stderr).toMatch(/redirect/);
        expect(asked.stdout).not.toMatch(/ALLOWED/);
      }
    } finally {
      await named.close();
      await elsewhere.close();
    }
  });

  it('exits 2 when --refresh was asked and the answer says the checks were not re-run', async () => {
    // A proxy that drops the query string turns POST …?refresh=true into a plain ask.
    const server = await fakeServer((_, response) => sendJson(response, 200, decision({ refreshed: false })));
    try {
      const asked = await gate(['--refresh', '--server', server.url]);
      expect(asked.code).toBe(2);
      expect(asked.stderr).toMatch(/not re-run/);
    } finally {
      await server.close();
    }
  });

  it('does not exit 0 on an "allowed" no gate gives: no checks, or a check that is not a counted pass', async () => {
    for (const answer of [
      decision({ checks: [] }),
      decision({ checks: [{ ...pass, status: 'fail' }] }),
      decision({ checks: [{ ...pass, status: 'running' }] }),
      decision({ checks: [{ ...pass, denial: 'stale_definition' }] }),
    ]) {
      const server = await fakeServer((_, response) => sendJson(response, 200, answer));
      try {
        const asked = await gate(['--server', server.url]);
        expect(asked.code, JSON.stringify(answer.checks)).toBe(1);
        expect(asked.stdout).not.toMatch(/ALLOWED/);
      } finally {
        await server.close();
      }
    }
  });

  it('does not exit 0 on an "allowed" that was not recorded: an answer is recorded before it is given', async () => {
    for (const id of [null, '', undefined]) {
      const server = await fakeServer((_, response) => sendJson(response, 200, decision({ id })));
      try {
        const asked = await gate(['--server', server.url]);
        expect(asked.code, `id ${String(id)}`).toBe(1);
        expect(asked.stdout).not.toMatch(/ALLOWED/);
      } finally {
        await server.close();
      }
    }
  });
});

describe('parity run never reports success for a run that verified nothing', () => {
  // What `parity run` gets when the check files change between its selection and the service's
  // load of them (a checkout in the CI workspace): the run it starts selects no check at all.
  const at = new Date('2026-01-01T00:00:00Z');
  const empty = {
    id: 'run-1', trigger: 'cli', requestedBy: 'cli', status: 'finished', checkIds: [], selector: { ids: ['users-name-parity'], tags: [] },
    summary: null, owner: null, heartbeatAt: null, cancelRequestedAt: null, createdAt: at, startedAt: at, finishedAt: at, results: [],
  } as unknown as FinishedRun;

  it('exits 2 (could not verify), and every report says so', () => {
    expect(exitCodeForRun(empty)).toBe(2);
    expect(junitForRun(empty)).toMatch(/<testsuites name="parity" tests="1" failures="0" errors="1"/);
    expect(markdownForRun(empty, exitCodeForRun(empty))).toMatch(/^### ⚠️ parity run: could not verify/);
  });
});

describe('a machine report is written whenever the command does not exit 0', () => {
  // `parity … --format junit > report.xml || true`, then the pipeline gates on the report: an empty
  // file is "no tests", which many CI systems show as green.
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-reports-'));
    await writeFile(path.join(dir, 'checks.yaml'), `
sources:
  app: { url: "postgres://nobody@127.0.0.1:1/nowhere" }
checks:
  - { id: users-have-name, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
migrations:
  - id: users-split-name
    phases:
      - { name: switch-reads, requires: [users-have-name] }
`);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cli = (args: string[], checks = dir, env: Record<string, string> = {}) => runMain(args, {
    cwd: dir, env: { PATH: process.env.PATH!, PARITY_LOG_LEVEL: 'silent', PARITY_CHECKS_DIR: checks, PARITY_DATA_DIR: path.join(dir, 'data'), ...env },
  });

  it('parity gate: an unknown phase, or check files that do not load', async () => {
    const unknown = await cli(['gate', 'users-split-name', 'contract', '--format', 'junit']);
    expect(unknown.code).toBe(64);
    expect(unknown.stdout).toMatch(/<testsuites name="parity" tests="1" failures="0" errors="1"/);
    // A checks directory of its own (files under `dir` would be part of `dir`'s catalog).
    const broken = path.join(dir, '..', `${path.basename(dir)}-broken`);
    await mkdir(broken, { recursive: true });
    await writeFile(path.join(broken, 'checks.yaml'), 'checks:\n  - { id: oops, kind: no_such_kind }\n');
    const invalid = await cli(['gate', 'users-split-name', 'switch-reads', '--format', 'markdown'], broken);
    expect(invalid.code).toBe(64);
    expect(invalid.stdout).toMatch(/^### ⚠️ /);
    await rm(broken, { recursive: true, force: true });
    const json = await cli(['gate', 'users-split-name', 'contract', '--format', 'json']);
    expect(json.code).toBe(64);
    expect(JSON.parse(json.stdout)).toMatchObject({ allowed: false, evaluated: false, error: { code: 'bad_configuration' } });
  });

  it('parity run: an unknown check id, and a store it cannot open', async () => {
    const unknown = await cli(['run', 'no-such-check', '--format', 'junit']);
    expect(unknown.code).toBe(64);
    expect(unknown.stdout).toMatch(/<testsuites name="parity" tests="1" failures="0" errors="1"/);
    const markdown = await cli(['run', 'no-such-check', '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/^### ⚠️ parity run: /);
    const json = await cli(['run', 'no-such-check', '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'bad_configuration' } });
    // A state store nothing answers at: could not verify (2), and the report says so.
    const storeDown = await cli(['run', 'users-have-name', '--format', 'junit'], dir, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/parity_state' });
    expect(storeDown.code, storeDown.stderr).toBe(2);
    expect(storeDown.stdout).toMatch(/<testsuites name="parity" tests="1" failures="0" errors="1"/);
  });
});

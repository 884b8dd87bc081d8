/**
 * `parity gate` as a CI step: its exit codes and output, locally and against a server. Commands
 * run through main() in-process; the unreachable-store case also runs as the real binary.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openEmbedded } from '../../src/embedded/pglite.js';
import { startServer } from '../../src/http/server.js';
import { openService } from '../../src/service/service.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { runMain } from '../support/run-main.js';
import { runParity } from '../support/spawn-parity.js';

const SEED = `
  create table users (id int primary key, full_name text, first_name text, last_name text);
  insert into users select g, 'First' || g || ' Last' || g, 'First' || g, 'Last' || g from generate_series(1, 100) g;
  update users set last_name = 'Wrong' where id = 13;
`;

const yaml = (url: string) => `
sources:
  app: { url: "${url}" }
checks:
  - id: users-name-parity
    kind: column_parity
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
migrations:
  - id: users-split-name
    phases:
      - { name: switch-reads, requires: [users-name-parity] }
`;

interface Outcome { code: number; stdout: string; stderr: string }

/** The environment a CI step gives parity: nothing but PATH, HOME and the settings passed. */
const ciEnv = (env: Record<string, string>) => ({ PATH: process.env.PATH!, HOME: process.env.HOME!, ...env });

function parity(args: string[], env: Record<string, string>): Promise<Outcome> {
  return runMain(['gate', ...args], { cwd: env.PARITY_CHECKS_DIR!, env: ciEnv(env) });
}

/** The same, as a separate process: the smoke test that bin/parity.js wires `gate` up. */
async function spawnedParity(args: string[], env: Record<string, string>): Promise<Outcome> {
  const { code, stdout, stderr } = await runParity(['gate', ...args], { cwd: env.PARITY_CHECKS_DIR!, env: ciEnv(env) });
  return { code: code ?? -1, stdout, stderr };
}

describe.each(engines)('parity gate on %s', (engine) => {
  let dir: string;
  let env: Record<string, string>;
  let verified: TestDatabase | undefined;
  let state: Awaited<ReturnType<typeof createTestStore>> | undefined;
  const exec = (sql: string) => (verified ? verified.exec(sql) : openEmbedded(env.PARITY_DATA_DIR!, 'app').then(async ({ db, release }) => {
    try { await db.exec(sql); } finally { await release(); }
    return [];
  }));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-gate-cli-'));
    env = { PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data'), PARITY_LOG_LEVEL: 'silent' };
    if (engine === 'postgres') {
      verified = await createTestDatabase('postgres');
      state = await createTestStore('postgres');
      env.DATABASE_URL = state.url!;
    }
    await writeFile(path.join(dir, 'checks.yaml'), yaml(verified?.url ?? 'embedded:app'));
    await exec(SEED);
  });
  afterAll(async () => {
    await state?.close();
    await verified?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 and says why when the gate is denied, 0 once it is allowed', async () => {
    const before = await parity(['users-split-name', 'switch-reads'], env);
    expect(before).toMatchObject({ code: 1, stderr: '' });
    expect(before.stdout).toMatch(/^users-split-name → switch-reads: DENIED\n {2}✗ users-name-parity {2}missing {2}never finished\nreasons:\n {2}- check "users-name-parity" has no result yet\ndecision \S+ recorded \(asked by cli:\S+\)\n$/);

    const refreshed = await parity(['users-split-name', 'switch-reads', '--refresh', '--json'], env);
    expect(refreshed.code).toBe(1);
    const decision = JSON.parse(refreshed.stdout);
    expect(decision).toMatchObject({ allowed: false, refreshed: true, evaluated: true, checks: [{ id: 'users-name-parity', status: 'fail' }] });
    expect(decision.reasons).toEqual([expect.stringMatching(/^check "users-name-parity" failed: .*1 mismatching/)]);

    await exec(`update users set last_name = 'Last13' where id = 13`);
    const allowed = await parity(['users-split-name', 'switch-reads', '--refresh'], env);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^users-split-name → switch-reads: ALLOWED \(checks re-run\)\n {2}✓ users-name-parity {2}pass {5}finished \S+ ago\n/);
  });

  it('says "stale definition" beside a pass that an edited check definition no longer counts', async () => {
    const file = path.join(dir, 'checks.yaml');
    const original = yaml(verified?.url ?? 'embedded:app');
    await writeFile(file, original.replace(`new: "first_name || ' ' || last_name"`, `new: "first_name || ' ' || trim(last_name)"`));
    try {
      const stale = await parity(['users-split-name', 'switch-reads'], env);
      expect(stale.code).toBe(1);
      expect(stale.stdout).toMatch(/^users-split-name → switch-reads: DENIED\n {2}✗ users-name-parity {2}pass \(stale definition\) {2}finished \S+ ago\nreasons:\n {2}- check "users-name-parity" last passed under another definition/);
    } finally {
      await writeFile(file, original);
    }
    expect((await parity(['users-split-name', 'switch-reads'], env)).code).toBe(0);
  });

  it('with --refresh off a terminal, prints progress lines to stderr every --progress-interval seconds', async () => {
    const refreshed = await parity(['users-split-name', 'switch-reads', '--refresh', '--progress-interval', '0.001'], env);
    expect(refreshed.code).toBe(0);
    const lines = refreshed.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^parity: \d+(ms|s) · [01] checks? done( \(1 pass\))?( · running: users-name-parity .+)?$/);
  });

  it('exits 64 for an unknown migration or phase', async () => {
    const unknown = await parity(['nope', 'switch-reads'], env);
    expect(unknown).toMatchObject({ code: 64, stdout: '' });
    expect(unknown.stderr).toBe('parity: migration "nope" is not declared; declared migrations: users-split-name\n');
    expect((await parity(['users-split-name', 'contract'], env)).code).toBe(64);
  });

  it('exits 2 when the state store cannot be reached', async () => {
    for (const run of [parity, spawnedParity]) {
      const down = await run(['users-split-name', 'switch-reads'], { ...env, DATABASE_URL: 'postgres://postgres:secret-pw@127.0.0.1:1/none' });
      expect(down.code, run.name).toBe(2);
      expect(down.stdout, run.name).toBe('');
      expect(down.stderr, run.name).toMatch(/^parity: /);
      expect(down.stderr, run.name).not.toContain('secret-pw');
    }
  });

  it('asks a running server with --server: 0 allowed, 1 denied, 64 unknown, 2 unreachable', async () => {
    const service = await openService(loadConfig({ ...env, PARITY_PORT: '0' }), { env });
    const server = await startServer(service);
    try {
      const allowed = await parity(['users-split-name', 'switch-reads', '--server', server.url], env);
      expect(allowed.code).toBe(0);
      expect(allowed.stdout).toMatch(/: ALLOWED\n/);
      await exec(`update users set last_name = 'Wrong' where id = 13`);
      expect((await parity(['users-split-name', 'switch-reads', '--server', server.url, '--refresh'], env)).code).toBe(1);
      const unknown = await parity(['users-split-name', 'nope', '--server', server.url], env);
      expect(unknown.code).toBe(64);
      expect(unknown.stderr).toMatch(/answered 404: phase_not_found: /);
    } finally {
      await server.close();
      await service.close();
    }
    const gone = await parity(['users-split-name', 'switch-reads', '--server', server.url], env);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/^parity: could not reach http:\/\/127\.0\.0\.1:\d+: /);
  });
});

describe('parity gate --server answering for another gate', () => {
  it('exits 2, not 0, when the answer is about another migration or phase (a misrouting proxy, a redirect)', async () => {
    const { createServer } = await import('node:http');
    const dir = await mkdtemp(path.join(tmpdir(), 'parity-gate-cli-'));
    // Whatever gate is asked, this "server" answers with another one's allowed decision.
    const misrouting = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({
        migration: 'users-split-name', phase: 'switch-reads', allowed: true, evaluated_at: new Date().toISOString(), reasons: [],
        // An allow needs a counted pass: an answer with no checks is one no gate gives (exit 1).
        checks: [{ id: 'users-name-parity', status: 'pass', result_id: 'r1', finished_at: new Date().toISOString(), age_s: 1, max_age_s: 3600, required_by: ['switch-reads'], reason: null, denial: null }],
        id: 'd1', requested_by: null, refreshed: false, run_id: null, evaluated: true,
      }));
    });
    await new Promise<void>((resolve) => misrouting.listen(0, '127.0.0.1', resolve));
    const { port } = misrouting.address() as { port: number };
    try {
      const env = { PARITY_CHECKS_DIR: dir, PARITY_LOG_LEVEL: 'silent' };
      const asked = await parity(['users-split-name', 'contract', '--server', `http://127.0.0.1:${port}`], env);
      expect(asked.code).toBe(2);
      expect(asked.stderr).toMatch(/answered for users-split-name\/switch-reads, not users-split-name\/contract/);
      // The same answer to the question it is about still counts.
      expect((await parity(['users-split-name', 'switch-reads', '--server', `http://127.0.0.1:${port}`], env)).code).toBe(0);
    } finally {
      await new Promise((resolve) => misrouting.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * parity as users get it: `npm pack` of this checkout, installed with `npm install --omit=dev` into
 * an empty folder, run from there. The pack and install commands, the entry point, the environment
 * and the health check are deploy/Dockerfile's own (test/support/dockerfile.ts reads them), so
 * the container recipe is exercised here even though this machine cannot run containers.
 * Slow (a full build and an install from the registry), hence one file and generous timeouts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../support/postgres-url.js';
import { describeOnPostgres } from '../support/databases.js';
import { dockerRecipe, outsideContainer, type OutsideContainer } from '../support/dockerfile.js';
import { REPO_ROOT, cleanEnv, startParity, type Started } from '../support/spawn-parity.js';

const SLOW = 600_000;
const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

let work: string;
let app: string;
let steps: OutsideContainer;
let installed: string;

function sh(command: string, cwd: string, env: NodeJS.ProcessEnv = cleanEnv()): string {
  return execFileSync('sh', ['-c', command], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: SLOW });
}

/** Runs the installed `parity …args` from the install folder. */
function parity(args: string[], env: Record<string, string> = {}) {
  return spawnSync(steps.bin, args, { cwd: app, env: cleanEnv(env), encoding: 'utf8', timeout: 120_000 });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'parity-package-'));
  const pkg = path.join(work, 'pkg');
  app = path.join(work, 'app');
  await mkdir(pkg);
  await mkdir(app);
  steps = outsideContainer(dockerRecipe(), { pkg, app });
  sh(steps.pack, REPO_ROOT);
  // The registry is reached as in the image build; the local cache only saves time.
  sh(steps.install, app, cleanEnv({ npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' }));
  installed = path.join(app, 'node_modules', manifest.name);
}, SLOW);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed and installed package', () => {
  it('ships compiled JavaScript with source maps and declarations, and no sources, tests or install scripts', () => {
    expect(readdirSync(installed).sort()).toEqual(['LICENSE', 'README.md', 'bin', 'checks', 'deploy', 'dist', 'grafana', 'package.json'].sort());
    expect(existsSync(path.join(installed, 'dist/cli/main.js'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/cli/main.js.map'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/cli/main.d.ts'))).toBe(true);
    expect(existsSync(path.join(installed, 'dist/store/migrations/meta/_journal.json'))).toBe(true);
    const shipped = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { private?: boolean; scripts?: Record<string, string> };
    expect(shipped.private).toBeUndefined();
    for (const hook of ['preinstall', 'install', 'postinstall']) expect(shipped.scripts?.[hook]).toBeUndefined();
    // Development dependencies stay out: nothing compiles TypeScript at run time.
    for (const dev of ['tsx', 'typescript', 'fast-check', 'vitest']) expect(existsSync(path.join(app, 'node_modules', dev))).toBe(false);
  });

  it('imports at run time only its dependencies (fast-check only from replay, which loads lazily)', () => {
    const { dependencies } = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const outside: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.js')) {
          // Static imports and re-exports at the start of a line, dynamic imports, requires (not comments).
          const specifiers = [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm)]
            .map((m) => (m[1] ?? m[2] ?? m[3] ?? m[4])!)
            .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('/'));
          for (const specifier of specifiers) {
            const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
            if (name.startsWith('node:') || name in dependencies) continue;
            const relative = path.relative(path.join(installed, 'dist'), file);
            if (name === 'fast-check' && relative.startsWith(`replay${path.sep}`)) continue;
            outside.push(`${relative}: ${specifier}`);
          }
        }
      }
    };
    walk(path.join(installed, 'dist'));
    expect(outside).toEqual([]);
  });

  it('guards its postgres.js in memory, with the installed driver file left as published', () => {
    const driver = path.join(installed, 'dist/drivers/postgres-js.js');
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(driver)}); console.log(JSON.stringify(m.postgresGuard))`], { cwd: app, env: cleanEnv(), encoding: 'utf8' });
    expect(JSON.parse(result.stdout)).toMatchObject({ applied: true });
    const connection = readFileSync(path.join(app, 'node_modules/postgres/cjs/src/connection.js'), 'utf8');
    expect(connection).not.toContain('guarded by parity');
  });

  it('prints its version', () => {
    const result = parity(['--version']);
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(manifest.version);
    expect(result.status).toBe(0);
  });

  it('validates the bundled demo check files', () => {
    const result = parity(['validate', '--checks', path.join(installed, 'checks')]);
    expect(result.stdout).toMatch(/^ok: 1 source, \d+ checks, 1 migration in 2 files/);
    expect(result.status).toBe(0);
  });

  it('says replay needs fast-check instead of crashing (exit 64)', () => {
    const result = parity(['replay', path.join(work, 'no-scenario')]);
    expect(result.stderr).toContain('parity replay needs fast-check');
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    expect(result.status).toBe(64);
  });
});

describeOnPostgres('the installed package against Postgres', () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const sourceDb = `parity_pkg_src_${suffix}`;
  const stateDb = `parity_pkg_state_${suffix}`;
  const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  let checks: string;
  let env: Record<string, string>;
  const token = 'package-test-token-0123456789';

  beforeAll(async () => {
    await admin.unsafe(`create database ${sourceDb}`);
    await admin.unsafe(`create database ${stateDb}`);
    const source = postgres(withDatabase(process.env.TEST_DATABASE_URL!, sourceDb), { max: 1, onnotice: () => {} });
    await source.unsafe(`create table users_legacy (id int primary key, full_name text);
      create table users (id int primary key, first_name text, last_name text);
      insert into users_legacy select g, 'Ada Lovelace' from generate_series(1, 500) g;
      insert into users select g, 'Ada', 'Lovelace' from generate_series(1, 500) g;`);
    await source.end();
    checks = path.join(work, 'checks');
    await mkdir(checks);
    await writeFile(path.join(checks, 'users.yaml'), `sources:
  app:
    url: \${APP_DATABASE_URL}
checks:
  - id: users-row-count
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users }
    tolerance: { absolute: 0 }
migrations:
  - id: users-split-name
    phases:
      - name: switch-reads
        requires: [users-row-count]
        max_age: 1h
`);
    env = {
      DATABASE_URL: withDatabase(process.env.TEST_DATABASE_URL!, stateDb),
      APP_DATABASE_URL: withDatabase(process.env.TEST_DATABASE_URL!, sourceDb),
    };
  }, SLOW);

  afterAll(async () => {
    for (const db of [sourceDb, stateDb]) await admin.unsafe(`drop database if exists ${db} with (force)`);
    await admin.end();
  });

  it('runs a check against Postgres with its state in Postgres (exit 0, a pass)', () => {
    const result = parity(['run', '--checks', checks, '--json'], env);
    expect(result.status, result.stderr).toBe(0);
    const run = JSON.parse(result.stdout) as { results: Array<{ check_id: string; status: string }> };
    expect(run.results.map((r) => [r.check_id, r.status])).toEqual([['users-row-count', 'pass']]);
  }, 120_000);

  it('serves as the container would: /readyz answers 200, the HEALTHCHECK passes, a gate answers, SIGTERM exits 0', async () => {
    const port = await freePort();
    const serveEnv = {
      ...steps.env,
      ...env,
      PARITY_CHECKS_DIR: checks,
      PARITY_DATA_DIR: path.join(work, 'data'),
      PARITY_PORT: String(port),
      PARITY_API_TOKENS: `ci:${token}:run`,
    };
    let server: Started | undefined;
    try {
      server = startParity(steps.cmd, { cwd: app, env: cleanEnv(serveEnv), bin: steps.bin });
      await server.waitFor(/parity listening on/, 120_000);
      // Not ready until its first probe of the store and sources has finished (503 until then),
      // so poll as the kubelet and the HEALTHCHECK's start period do.
      let ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      for (const deadline = Date.now() + 60_000; ready.status !== 200 && Date.now() < deadline;) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      }
      expect(ready.status, await ready.clone().text()).toBe(200);
      const health = spawnSync('sh', ['-c', steps.healthcheck], { env: cleanEnv(serveEnv), encoding: 'utf8', timeout: 30_000 });
      expect(health.status, health.stderr).toBe(0);
      const gate = await fetch(`http://127.0.0.1:${port}/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      expect(await gate.json()).toMatchObject({ allowed: true });
    } finally {
      server?.child.kill('SIGTERM');
    }
    const exited = await server!.exited;
    expect(exited.code, exited.stderr).toBe(0);
  }, 180_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startParity, tempDir, type Started, SPAWN_TIMEOUT_MS, removeTempDirs } from '../support/spawn-parity.js';
import { runMain } from '../support/run-main.js';

// The server itself is a spawned process (signals, the lock held by another pid); the one-shot
// commands around it call main() in-process.
describe('parity serve', { timeout: SPAWN_TIMEOUT_MS + 10_000 }, () => {
  let cwd: string;
  let server: Started | undefined;
  beforeAll(async () => {
    cwd = await tempDir('parity-serve-');
    await mkdir(path.join(cwd, 'checks'));
    await writeFile(path.join(cwd, 'checks', 'one.yaml'), `sources:
  app: { url: "embedded:app" }
checks:
  - id: trivially-true
    kind: sql_assert
    source: app
    query: select 1 from pg_namespace where nspname = 'parity_never'
`);
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await server?.exited;
    await removeTempDirs();
  });

  it('listens on a free port, answers /healthz, holds the data directory, and exits 0 on SIGTERM', async () => {
    server = startParity(['serve', '--port', '0'], { cwd });
    const [, url] = await server.waitFor(/parity listening on (http:\/\/127\.0\.0\.1:\d+)/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);

    // A run told to keep its state in the data directory cannot open the store the server holds:
    // a clear message, exit 2. (With no store configured a run opens no store at all.)
    const locked = await runMain(['run', '--data-dir', '.parity'], { cwd });
    expect(locked.code).toBe(2);
    expect(locked.stderr).toContain(`is in use by process ${server.child.pid}`);
    expect(existsSync(path.join(cwd, '.parity', 'parity.lock'))).toBe(true);

    server.child.kill('SIGTERM');
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('shutting down');
    expect(existsSync(path.join(cwd, '.parity', 'parity.lock'))).toBe(false);
  });

  it('exits 64 and names the problem when the configuration is invalid', async () => {
    const result = await runMain(['serve', '--host', '0.0.0.0', '--port', '0'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('refusing to listen on 0.0.0.0 without API tokens');
  });

  it('rejects a port that is not a number as a usage error (64)', async () => {
    const result = await runMain(['serve', '--port', 'eighty'], { cwd });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("option '--port <port>' argument 'eighty' is invalid");
  });
});

/**
 * A real parity server for the integration examples: the HTTP fixture's verified database (two
 * users whose backfilled names are wrong), a migrated state store, the users-split-name migration,
 * API tokens, and the full app listening on a loopback socket — asked exactly as each tool asks.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../src/http/server.js';
import type { EngineName } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { BIN } from '../support/spawn-parity.js';
import { createHttpFixture, type HttpFixture } from '../http/support.js';

export const READ_TOKEN = 'integration-reader-0123456789';
export const RUN_TOKEN = 'integration-runner-0123456789';

export interface GateServer {
  fx: HttpFixture;
  url: string;
  /** Runs every check to completion through the API. */
  runChecks(): Promise<void>;
  /** Repairs the two wrong backfilled names: switch-reads (and contract) can then pass. */
  repairData(): Promise<void>;
  /** Puts the wrong names back. */
  breakData(): Promise<void>;
  /** Makes the check files on disk fail to load, so every gate answers "could not evaluate"; returns the undo. */
  breakCheckFiles(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Starts the server on the engine; close() removes every trace. */
export async function startGateServer(engine: EngineName): Promise<GateServer> {
  const fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML, tokens: `tools:${READ_TOKEN}:read,deployer:${RUN_TOKEN}:run`, env: { PARITY_PORT: '0' } });
  let server: RunningServer;
  try {
    server = await startServer(fx.service);
  } catch (error) {
    await fx.close();
    throw error;
  }
  return {
    fx,
    url: server.url,
    async runChecks() {
      const response = await fetch(`${server.url}/v1/runs?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${RUN_TOKEN}`, 'content-type': 'application/json' }, body: '{"all":true}' });
      if (response.status !== 200) throw new Error(`run answered ${response.status}: ${await response.text()}`);
    },
    async repairData() { await fx.db.exec(`update users set last_name = 'Last' || id where last_name = 'Wrong'`); },
    async breakData() { await fx.db.exec(`update users set last_name = 'Wrong' where id in (7, 42)`); },
    async breakCheckFiles() {
      const file = path.join(fx.service.config.checksDir, 'checks.yaml');
      const good = await readFile(file, 'utf8');
      await writeFile(file, `${good}\n  - id: broken\n    kind: nope\n`);
      return () => writeFile(file, good);
    },
    async close() {
      await server.close();
      await fx.close();
    },
  };
}

/** A directory holding a `parity` command (this checkout's bin/parity.js) and any stand-ins given, for PATH. */
export async function binDir(standIns: Record<string, string> = {}): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parity-bin-'));
  await writeFile(path.join(dir, 'parity'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  for (const [name, script] of Object.entries(standIns)) await writeFile(path.join(dir, name), script, { mode: 0o755 });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A real parity with telemetry for tests: a seeded verified database, a migrated state store, check
 * files with a migration, and an app built with telemetry and the run-event hub — wired as `serve`
 * wires them. Parity processes can be stopped and started again over the same store (restarts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import type { App } from '../../src/http/app.js';
import { createParityApp } from '../../src/http/server.js';
import { createLogger } from '../../src/logging/logger.js';
import { openService, type Service } from '../../src/service/service.js';
import { createRunEventHub, type RunEventHub } from '../../src/events/run-event-hub.js';
import { recordGateDecision } from '../../src/telemetry/recorders.js';
import { createTelemetry, type Telemetry } from '../../src/telemetry/telemetry.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, type EngineName, type TestDatabase } from '../support/databases.js';
import { holdDatabase } from '../support/hold-database.js';
import { parseExposition, type Exposition } from './exposition.js';

/** legacy has ids 1..200; new lacks id 200, has an extra 201, and two wrong last names: 2 changed, 1 missing each way. */
export const SEED_SQL = `
  create table users_legacy (id int primary key, full_name text);
  create table users (id int primary key, first_name text, last_name text);
  insert into users_legacy select g, 'First' || g || ' Last' || g from generate_series(1, 200) g;
  insert into users select g, 'First' || g, 'Last' || g from generate_series(1, 199) g;
  insert into users values (201, 'First201', 'Last201');
  update users set last_name = 'Wrong' where id in (7, 42);
`;

export const CHECKS_YAML = `
checks:
  - id: users-row-count
    kind: row_count
    schedule: "*/5 * * * *"
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users }
  - id: users-name-parity
    kind: column_parity
    source: app
    key: [id]
    old: { table: public.users_legacy, expr: full_name }
    new: { table: public.users, expr: "first_name || ' ' || last_name" }
    sample: 5
  - id: users-ghost
    kind: row_count
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.no_such_table }
  - id: offline-count
    kind: sql_assert
    source: offline
    query: "select 1 from pg_namespace where nspname = 'parity_never'"
migrations:
  - id: users-split-name
    phases:
      - name: backfill
        requires: [users-row-count]
        max_age: 1h
      - name: switch-reads
        requires: [users-name-parity]
        max_age: 15m
`;

/** A password in a source URL nothing listens on: its checks error, and it must never surface. */
export const OFFLINE_PASSWORD = 'offline-pw-5c0e2b91';
const OFFLINE_URL = `postgres://reader:${OFFLINE_PASSWORD}@127.0.0.1:1/nowhere`;

/** What outlives a parity process: the verified database, the state store and the check files. */
export interface World {
  engine: EngineName;
  db: TestDatabase;
  store: Store;
  checksDir: string;
  close(): Promise<void>;
}

export interface WorldOptions {
  sourceUrl?: (url: string) => string;
  checks?: string;
  /** Extra options of the `app` source, e.g. "lock_timeout: 60s". */
  appOptions?: string;
}

/** Seeds a verified database, a store and check files on the engine. */
export async function createWorld(engine: EngineName, options: WorldOptions = {}): Promise<World> {
  const db = await createTestDatabase(engine);
  await db.exec(SEED_SQL);
  const store = await createTestStore(engine);
  const checksDir = await mkdtemp(path.join(tmpdir(), 'parity-telemetry-'));
  const url = options.sourceUrl ? options.sourceUrl(db.url) : db.url;
  const sources = `sources:\n  app: { url: "${url}"${options.appOptions ? `, ${options.appOptions}` : ''} }\n  offline: { url: "${OFFLINE_URL}", statement_timeout: 5s }\n`;
  await writeFile(path.join(checksDir, 'checks.yaml'), sources + (options.checks ?? CHECKS_YAML));
  return {
    engine, db, store: store.store, checksDir,
    async close() {
      await store.close();
      await db.close();
      await rm(checksDir, { recursive: true, force: true });
    },
  };
}

export interface Parity {
  app: App;
  service: Service;
  telemetry: Telemetry;
  runEvents: RunEventHub;
  logs(): string;
  request(method: string, url: string, init?: { token?: string; body?: unknown }): Promise<Response>;
  /** GET /metrics, parsed. */
  scrape(token?: string): Promise<Exposition>;
  stop(): Promise<void>;
}

/** Starts a parity process over the world, as `parity serve` assembles one. */
export async function startParity(world: World, options: { tokens?: string; env?: Record<string, string> } = {}): Promise<Parity> {
  let logText = '';
  const destination = new Writable({ write(chunk, _encoding, done) { logText += String(chunk); done(); } });
  const logger = createLogger({ level: 'debug', destination });
  const env = { PARITY_API_TOKENS: options.tokens ?? '', ...options.env };
  const config = loadConfig(env, { checksDir: world.checksDir, dataDir: world.db.dataDir });
  const telemetry = createTelemetry({ env, logger });
  const runEvents = createRunEventHub();
  const service = await openService(config, {
    store: world.store, logger, env, observers: [telemetry.observer, runEvents.observer], onGateDecision: recordGateDecision,
  });
  await telemetry.attach(service);
  const app = createParityApp({ service, telemetry, runEvents });
  const request = (method: string, target: string, init: { token?: string; body?: unknown } = {}) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    return Promise.resolve(app.request(target, { method, headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) }));
  };
  return {
    app, service, telemetry, runEvents, request,
    logs: () => logText,
    async scrape(token) {
      const response = await request('GET', '/metrics', token ? { token } : {});
      if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}: ${await response.text()}`);
      return parseExposition(await response.text());
    },
    async stop() {
      await service.close();
      await telemetry.shutdown();
    },
  };
}

/** POST /v1/runs?wait=true for the given checks (all when omitted); returns the finished run. */
export async function runChecks(parity: Parity, ids?: string[], token?: string): Promise<any> {
  const response = await parity.request('POST', '/v1/runs?wait=true', { ...(token ? { token } : {}), body: ids ? { ids } : { all: true } });
  const body = await response.json() as any;
  if (response.status !== 200) throw new Error(`run answered ${response.status}: ${JSON.stringify(body)}`);
  return body.run;
}

/** Makes the checks of a world's verified database wait until release() (they read these tables). */
export function holdWorldDatabase(db: TestDatabase): Promise<() => Promise<void>> {
  return holdDatabase(db, ['users_legacy', 'users']);
}

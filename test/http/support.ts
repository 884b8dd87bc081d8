/**
 * A real parity HTTP app for tests: check files written to a temp directory, a migrated test store,
 * a verified test database seeded with a name-split migration, and the full route set — called
 * through app.request(), with no server and no mocks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/config.js';
import type { App } from '../../src/http/app.js';
import { createParityApp } from '../../src/http/server.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { openService, type Service } from '../../src/service/service.js';
import { createTestDatabase, createTestStore, type EngineName, type TestDatabase } from '../support/databases.js';
import { holdDatabase } from '../support/hold-database.js';

/** Users whose backfilled name differs from the legacy one; column_parity must report exactly these keys. */
export const BROKEN_USER_IDS = [7, 42];

export const SEED_SQL = `
  create table users_legacy (id int primary key, full_name text);
  create table users (id int primary key, full_name text, first_name text, last_name text);
  insert into users_legacy select g, 'First' || g || ' Last' || g from generate_series(1, 200) g;
  insert into users select g, 'First' || g || ' Last' || g, 'First' || g, 'Last' || g from generate_series(1, 200) g;
  update users set last_name = 'Wrong' where id in (${BROKEN_USER_IDS.join(', ')});
  create table gate (id int);
`;

/** Checks over the seeded tables: one passes, one fails with samples, one can be held back by the test. */
export const CHECKS_YAML = `
checks:
  - id: users-row-count
    kind: row_count
    description: every legacy user was copied
    tags: [users, fast]
    old: { source: app, table: public.users_legacy }
    new: { source: app, table: public.users }
  - id: users-name-parity
    kind: column_parity
    tags: [users, names]
    source: app
    table: public.users
    key: [id]
    old: full_name
    new: "first_name || ' ' || last_name"
    sample: 20
  - id: gated
    kind: sql_assert
    tags: [gated]
    source: gated
    query: "select id from gate"
`;

export interface HttpFixture {
  app: App;
  service: Service;
  db: TestDatabase;
  /** Every line the service logged, as text. */
  logs(): string;
  request(method: string, url: string, init?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<Response>;
  /** Holds the verified database so a check on source `gated` waits until release() (idempotent) is called. */
  hold(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface FixtureOptions {
  /** PARITY_API_TOKENS. */
  tokens?: string;
  /** Extra `sources:` entries (YAML lines, indented by two spaces); a function gets the verified database's URL. */
  extraSources?: string | ((url: string) => string);
  /** Replaces CHECKS_YAML. */
  checks?: string;
  /** Password written into the Postgres source URL (trust auth ignores it). */
  sourcePassword?: string;
  env?: Record<string, string>;
}

function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

/** Builds a service and its app on the engine; close() removes every trace. */
export async function createHttpFixture(engine: EngineName, options: FixtureOptions = {}): Promise<HttpFixture> {
  const db = await createTestDatabase(engine);
  await db.exec(SEED_SQL);
  const store = await createTestStore(engine);
  const checksDir = await mkdtemp(path.join(tmpdir(), 'parity-http-'));
  const url = db.engine === 'postgres' ? withPassword(db.url, options.sourcePassword) : db.url;
  await writeFile(path.join(checksDir, 'checks.yaml'), [
    'sources:',
    `  app: { url: "${url}" }`,
    // A long lock_timeout so a held lock (Postgres) makes the gated check wait instead of failing.
    `  gated: { url: "${url}", lock_timeout: 60s }`,
    (typeof options.extraSources === 'function' ? options.extraSources(url) : options.extraSources) ?? '',
    options.checks ?? CHECKS_YAML,
  ].join('\n'));

  let logText = '';
  const destination = new Writable({ write(chunk, _encoding, done) { logText += String(chunk); done(); } });
  const logger: Logger = createLogger({ level: 'debug', destination });
  const env = { PARITY_API_TOKENS: options.tokens ?? '', ...options.env };
  const config = loadConfig(env, { checksDir, dataDir: db.dataDir });
  const service = await openService(config, { store: store.store, logger, env });
  // A serving process probes readiness on its own timer from start-up; /readyz answers from that.
  await service.readiness.probe();
  const app = createParityApp({ service });

  return {
    app,
    service,
    db,
    logs: () => logText,
    request(method, target, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      let body: string | undefined = init.raw;
      if (init.body !== undefined) {
        body = JSON.stringify(init.body);
        headers['content-type'] ??= 'application/json';
      }
      return Promise.resolve(app.request(target, { method, headers, ...(body === undefined ? {} : { body }) }));
    },
    hold: () => holdDatabase(db, ['gate']),
    async close() {
      await service.close();
      await store.close();
      await db.close();
      await rm(checksDir, { recursive: true, force: true });
    },
  };
}

/** Reads a response as JSON, failing loudly when it is not. */
export async function json(response: Response): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** Polls GET /v1/runs/:id until the run ends. */
export async function pollRun(fixture: HttpFixture, id: string, token?: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await json(await fixture.request('GET', `/v1/runs/${id}`, token ? { token } : {}));
    if (['finished', 'cancelled', 'aborted'].includes(body.run.status)) return body;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${body.run.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

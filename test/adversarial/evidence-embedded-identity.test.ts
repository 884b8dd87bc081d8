/**
 * An embedded source is named `embedded:NAME`, and the definition hash covers that name alone; the
 * database it reaches lives under the data directory (PARITY_DATA_DIR), which no hash covers. The
 * server identity a result records does not tell two embedded databases apart either: every one is
 * made from one cached template, so each has the same system identifier, timeline, database name
 * and oid. A pass read from one data directory therefore opens the gate of a parity whose
 * `embedded:app` is another database under another data directory, sharing the state store (a
 * data directory moved or replaced with the store on DATABASE_URL, or two deployments of one check
 * file writing to one store) — where the check would fail.
 */
import { cpSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { currentEmbeddedIdentity, openEmbedded } from '../../src/embedded/pglite.js';
import { startServer } from '../../src/http/server.js';
import { openService } from '../../src/service/service.js';
import { runMain } from '../support/run-main.js';
import { createTestStore } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import type { Store } from '../../src/store/store.js';

const YAML = `
checks:
  - { id: users-have-email, kind: sql_assert, source: app, query: "select id from users where email is null" }
migrations:
  - id: users-email
    phases:
      - name: contract
        requires: [users-have-email]
        max_age: 1h
`;

describe('gate evidence about an embedded database under another data directory, on pglite', () => {
  let store: Store;
  let closeStore: () => Promise<void>;
  let before: GateWorld;
  let after: GateWorld;
  beforeAll(async () => {
    ({ store, close: closeStore } = await createTestStore('pglite'));
    // One store: the second world never closes it (the first does, last).
    const kept = Object.create(store, { close: { value: async () => {} } }) as Store;
    before = await createGateWorld('pglite', { yaml: YAML, seedSql: "create table users (id int primary key, email text); insert into users values (1, 'a@x');", store: kept });
    after = await createGateWorld('pglite', { yaml: YAML, seedSql: "create table users (id int primary key, email text); insert into users values (1, null);", store: kept });
  });
  afterAll(async () => {
    await after?.close();
    await before?.close();
    await closeStore?.();
  });

  it("a pass read under one data directory never opens the gate of the other directory's database", async () => {
    // One source name, one definition; the check finds a null email only in the second database.
    expect(before.db.url).toBe(after.db.url);
    expect(before.db.dataDir).not.toBe(after.db.dataDir);
    expect(before.catalog().checks.get('users-have-email')!.hash).toBe(after.catalog().checks.get('users-have-email')!.hash);
    expect(await after.db.exec('select count(*)::int as n from users where email is null')).toEqual([{ n: 1 }]);
    await before.run();
    expect((await before.gates.decide('users-email', 'contract')).allowed).toBe(true);
    const decision = await after.gates.decide('users-email', 'contract');
    expect(decision.allowed).toBe(false);
  });
});

const GOOD = "create table users (id int primary key, email text); insert into users values (1, 'a@x');";
const BAD = "create table users (id int primary key, email text); insert into users values (1, null);";

/** The store, to worlds that must not close it (it outlives them: a restart keeps the state store). */
const kept = (store: Store): Store => Object.create(store, { close: { value: async () => {} } }) as Store;

// Several PGlite opens on disk per case.
describe('gate evidence about embedded databases on disk: other data directories, moves, replacements, copies, restarts', { timeout: 180_000 }, () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'parity-embedded-identity-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A fresh state store per case: every case runs the same check under the same hash. */
  async function withStore(body: (world: (dataDir: string, seedSql?: string) => Promise<GateWorld>) => Promise<void>): Promise<void> {
    const { store, close } = await createTestStore('pglite');
    const open: GateWorld[] = [];
    try {
      await body(async (dataDir, seedSql = '') => {
        const world = await createGateWorld('pglite', { yaml: YAML, seedSql, store: kept(store), dataDir });
        // Closed once, by the case (a restart) or after it.
        let closing: Promise<void> | undefined;
        const once: GateWorld = { ...world, close: () => (closing ??= world.close()) };
        open.push(once);
        return once;
      });
    } finally {
      for (const world of open.reverse()) await world.close();
      await close();
    }
  }
  const decide = (world: GateWorld) => world.gates.decide('users-email', 'contract');
  const dbDir = (dataDir: string) => path.join(dataDir, 'pglite', 'verified');

  it('two data directories, one embedded name: a pass under one never opens the gate under the other', async () => {
    await withStore(async (world) => {
      const a = await world(path.join(work, 'two-a'), GOOD);
      const b = await world(path.join(work, 'two-b'), BAD);
      expect(a.catalog().checks.get('users-have-email')!.hash).toBe(b.catalog().checks.get('users-have-email')!.hash);
      await a.run();
      expect((await decide(a)).allowed).toBe(true);
      const denied = await decide(b);
      expect(denied.allowed).toBe(false);
      expect(denied.checks[0]!.denial).toBe('server_changed');
      await b.run();
      expect((await decide(b)).checks[0]!.denial).toBe('failed');
    });
  });

  it('the same database reopened (a restart) keeps its identity, and its gate opens on its own pass', async () => {
    await withStore(async (world) => {
      const dataDir = path.join(work, 'restart');
      const first = await world(dataDir, GOOD);
      await first.run();
      const before = await first.sources.get('app').then((s) => s.embedded);
      await first.close();
      const again = await world(dataDir);
      expect(await again.sources.get('app').then((s) => s.embedded)).toEqual(before);
      expect((await decide(again)).allowed).toBe(true);
    });
  });

  it('a data directory moved after the pass is judged anew where it is now', async () => {
    await withStore(async (world) => {
      const from = path.join(work, 'move-from');
      const a = await world(from, GOOD);
      await a.run();
      expect((await decide(a)).allowed).toBe(true);
      await a.close();
      const to = path.join(work, 'move-to');
      renameSync(from, to);
      const moved = await world(to);
      const denied = await decide(moved);
      expect(denied.allowed).toBe(false);
      expect(denied.checks[0]!.denial).toBe('server_changed');
      await moved.run();
      expect((await decide(moved)).allowed).toBe(true);
    });
  });

  it('a database replaced under the same data directory (a new one, or a copy of another) never opens the gate on the old pass', async () => {
    await withStore(async (world) => {
      const dataDir = path.join(work, 'replaced');
      const a = await world(dataDir, GOOD);
      await a.run();
      expect((await decide(a)).allowed).toBe(true);
      await a.close();
      // A new database made where the old one was.
      rmSync(dbDir(dataDir), { recursive: true });
      const fresh = await world(dataDir, BAD);
      expect((await decide(fresh)).allowed).toBe(false);
      await fresh.close();
      // Another data directory's database copied over it.
      const other = await world(path.join(work, 'replaced-other'), BAD);
      await other.close();
      rmSync(dbDir(dataDir), { recursive: true });
      cpSync(dbDir(path.join(work, 'replaced-other')), dbDir(dataDir), { recursive: true });
      const copied = await world(dataDir);
      expect(await copied.db.exec('select count(*)::int as n from users where email is null')).toEqual([{ n: 1 }]);
      expect((await decide(copied)).allowed).toBe(false);
    });
  });

  it('a copy of the data directory elsewhere is judged anew; the original keeps its pass', async () => {
    await withStore(async (world) => {
      const original = path.join(work, 'copy-original');
      const a = await world(original, GOOD);
      await a.run();
      await a.close();
      const copy = path.join(work, 'copy-elsewhere');
      cpSync(original, copy, { recursive: true });
      const c = await world(copy);
      expect((await decide(c)).allowed).toBe(false);
      // Byte for byte the same database, id and all: only where it lives tells it apart.
      const [ofCopy, ofOriginal] = [await c.sources.get('app').then((s) => s.embedded), currentEmbeddedIdentity(original, 'verified')];
      expect(ofCopy?.embedded_id).toBe(ofOriginal?.embedded_id);
      expect(ofCopy?.data_dir).not.toBe(ofOriginal?.data_dir);
      await c.db.exec("update users set email = null");
      await c.close();
      expect((await decide(await world(original))).allowed).toBe(true);
    });
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('parity gate and parity serve judge embedded evidence by the database under their own data directory (state on DATABASE_URL)', { timeout: 180_000 }, () => {
  const CHECKS = `
sources:
  app: { url: "embedded:app" }
${YAML}`;
  let dir: string;
  let state: Awaited<ReturnType<typeof createTestStore>>;
  const envFor = (dataDir: string) => ({ PATH: process.env.PATH!, HOME: process.env.HOME!, PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: dataDir, PARITY_LOG_LEVEL: 'silent', DATABASE_URL: state.url! });
  const parity = (args: string[], dataDir: string) => runMain(args, { cwd: dir, env: envFor(dataDir) });
  async function seed(dataDir: string, sql: string): Promise<void> {
    const { db, release } = await openEmbedded(dataDir, 'app');
    try { await db.exec(sql); } finally { await release(); }
  }
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'parity-embedded-identity-cli-'));
    state = await createTestStore('postgres');
    writeFileSync(path.join(dir, 'checks.yaml'), CHECKS);
  });
  afterAll(async () => {
    await state?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a pass read under one data directory opens neither the CLI gate nor the server gate under another, nor after a move', async () => {
    const a = path.join(dir, 'data-a');
    const b = path.join(dir, 'data-b');
    await seed(a, GOOD);
    await seed(b, BAD);
    expect((await parity(['run'], a)).code).toBe(0);
    // Control: every call is a fresh process's view (a restart), and a's pass opens a's gate.
    expect((await parity(['gate', 'users-email', 'contract'], a)).code).toBe(0);
    const cli = await parity(['gate', 'users-email', 'contract', '--json'], b);
    expect(cli.code).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ allowed: false, checks: [{ id: 'users-have-email', status: 'pass', denial: 'server_changed' }] });

    for (const [dataDir, allowed] of [[b, false], [a, true]] as const) {
      const service = await openService(loadConfig({ ...envFor(dataDir), PARITY_PORT: '0' }), { env: envFor(dataDir) });
      const server = await startServer(service);
      try {
        expect((await parity(['gate', 'users-email', 'contract', '--server', server.url], dataDir)).code).toBe(allowed ? 0 : 1);
      } finally {
        await server.close();
        await service.close();
      }
    }

    const moved = path.join(dir, 'data-moved');
    renameSync(a, moved);
    expect((await parity(['gate', 'users-email', 'contract'], moved)).code).toBe(1);
  });
});

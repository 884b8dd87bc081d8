/**
 * Each result records the server it read, and a least-privilege preflight warns (or, with
 * require_least_privilege, refuses to verify) when parity's role could write (issue 12 §1, §2).
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';
import { privilegeWarnings } from '../../src/sources/preflight.js';

const CHECK = `
checks:
  - id: counted
    kind: sql_assert
    source: app
    query: "select id from items where id < 0"
`;

describe.each(engines)('server identity and preflight on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table items (id int primary key); insert into items values (1), (2)');
  });
  afterAll(() => db.close());

  it('records which server, database and role a result read, and warns about a superuser', async () => {
    const result = await runCheck(db, CHECK);
    expect(result.status).toBe('pass');
    const server = result.servers!.app!;
    expect(server).toMatchObject({ database: expect.any(String), user: expect.any(String), version_num: expect.any(Number), in_recovery: false });
    expect(server.version_num).toBeGreaterThanOrEqual(150000);
    // Both engines run these tests as a superuser (PGlite always is one).
    expect(server.privilege_warnings).toEqual(expect.arrayContaining([`role "${server.user}" is a superuser`, expect.stringMatching(/may INSERT, UPDATE, DELETE or TRUNCATE \d+ tables? \(.*public\.items/)]));
    expect(result.observations.privilege_warnings).toEqual(server.privilege_warnings.map((w) => `source "app": ${w}`));
    if (engine === 'postgres') {
      expect(server.database).toBe(new URL(db.url).pathname.slice(1));
      expect(server.system_identifier).toMatch(/^\d+$/);
    } else {
      expect(server.address).toBeNull();
    }
  });

  it('turns a warning into "could not verify" with require_least_privilege, reading no data', async () => {
    const catalog = catalogFromYaml(CHECK, { app: db });
    const strict = new Map([...catalog.sources].map(([name, s]) => [name, { ...s, spec: { ...s.spec, require_least_privilege: true } }]));
    const registry = registryForCatalog({ ...catalog, sources: strict }, { app: db });
    try {
      const result = await execute(catalog.checks.get('counted')!, registry);
      expect(result.status).toBe('error');
      expect(result.error).toMatchObject({ code: 'not_least_privilege', message: expect.stringMatching(/superuser/) });
      expect(result.statements).toEqual([]);
      expect(result.servers!.app!.privilege_warnings.length).toBeGreaterThan(0);
    } finally {
      await registry.closeAll();
    }
  });
});

describeOnPostgres('least-privilege preflight with real roles', () => {
  let db: TestDatabase;
  let admin: postgres.Sql;
  const role = `parity_ro_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const asRole = () => ({ ...db, url: (() => { const u = new URL(db.url); u.username = role; u.password = ''; return u.toString(); })() });
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec('create table items (id int primary key); insert into items values (1), (2); create table other (id int)');
    admin = postgres(db.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create role ${role} login; grant select on items to ${role}`);
  });
  afterAll(async () => {
    await admin.unsafe(`drop owned by ${role}; drop role if exists ${role}`).catch(() => {});
    await admin.end();
    await db.close();
  });

  const strictYaml = CHECK;
  const run = async (strict: boolean) => {
    const target = asRole();
    const catalog = catalogFromYaml(strictYaml, { app: target });
    const sources = new Map([...catalog.sources].map(([name, s]) => [name, { ...s, spec: { ...s.spec, require_least_privilege: strict } }]));
    const registry = registryForCatalog({ ...catalog, sources }, { app: target });
    try {
      return await execute(catalog.checks.get('counted')!, registry);
    } finally {
      await registry.closeAll();
    }
  };

  it('a read-only role gets no warnings and passes even when least privilege is required', async () => {
    const result = await run(true);
    expect(result.status).toBe('pass');
    expect(result.servers!.app).toMatchObject({ user: role, privilege_warnings: [] });
    // Readable by PUBLIC on some versions, not on others: either the identifier or why it is missing.
    const server = result.servers!.app!;
    expect(server.system_identifier === null ? server.system_identifier_unavailable : server.system_identifier).toMatch(/^\d+$|permission denied/);
    expect(result.observations.privilege_warnings).toEqual([]);
    // The replica-lag probe needs no privilege either: a least-privilege role reads it (a primary here).
    expect(server.replica_lag).toMatchObject({ state: 'primary', lag_ms: 0, max_replica_lag_ms: null });
  });

  it('warns about each write privilege and dangerous role, and refuses to verify when required', async () => {
    for (const grant of [`grant insert on other to ${role}`, `grant truncate on items to ${role}`, `grant pg_read_server_files to ${role}`, `grant pg_execute_server_program to ${role}`]) {
      await admin.unsafe(grant);
      const warned = await run(false);
      expect(warned.status, grant).toBe('pass');
      expect((warned.observations.privilege_warnings as string[]).length, grant).toBeGreaterThan(0);
      const refused = await run(true);
      expect(refused.status, grant).toBe('error');
      expect(refused.error?.code).toBe('not_least_privilege');
      await admin.unsafe(grant.replace(/^grant/, 'revoke').replace(/ to /, ' from '));
      expect((await run(true)).status, `after ${grant} was revoked`).toBe('pass');
    }
  });
});

describe('privilege warnings', () => {
  it('name the superuser, each dangerous role, and the writable tables with their count', () => {
    expect(privilegeWarnings({ user: 'u', superuser: true, dangerous_roles: ['pg_write_server_files'], writable_count: 7, writable_tables: ['public.a', 'public.b'] })).toEqual([
      'role "u" is a superuser', 'role "u" is a member of pg_write_server_files', 'role "u" may INSERT, UPDATE, DELETE or TRUNCATE 7 tables (public.a, public.b, …)',
    ]);
    expect(privilegeWarnings({ user: 'u', superuser: false, dangerous_roles: [], writable_count: 0, writable_tables: [] })).toEqual([]);
  });
});

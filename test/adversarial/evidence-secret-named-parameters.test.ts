/**
 * A source URL's query parameters are startup parameters, and the definition hash covers them —
 * except those whose name looks like a secret (`pass`, `secret`, `token`, `key`), which were left
 * out so no secret is ever hashed. But a custom setting is any name with a dot, and views (and row
 * security policies, which parity's reads refuse) read them (`current_setting('app.tenant_key')`): editing
 * `?app.tenant_key=1` to `?app.tenant_key=2` made the checks read another tenant's rows under the
 * same hash, and the gate kept opening on the first tenant's passes. Now such a custom setting
 * enters the hash as a digest of its value: a change is a new definition, the value itself is never in
 * the hash input, the target or its description.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { describeTarget, resolveTarget, type ResolvedTarget } from '../../src/checkfile/target.js';
import { createGateService, type GateService } from '../../src/gate/gate-service.js';
import { createLeaseGuard } from '../../src/runner/check-guard.js';
import { systemClock } from '../../src/runner/clock.js';
import { createRunner } from '../../src/runner/runner.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';

const CHECKS = `checks:
  - { id: orders-have-customer, kind: null_check, source: app, table: tenant_orders, columns: [customer] }
migrations:
  - id: orders
    phases:
      - { name: contract, requires: [orders-have-customer], max_age: 1h }
`;

function catalogFor(url: string): Catalog {
  const parsed = parseCheckFile(`sources:\n  app: { url: ${JSON.stringify(url)} }\n${CHECKS}`, 'tenant.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

const hashOf = (url: string) => catalogFor(url).checks.get('orders-have-customer')!.hash;
const BASE = 'postgres://reader:pw@db.example.com:5432/app';

/** Parameter name, the value the pass was read under, the value the file says now. */
const EDITS: [string, string, string][] = [
  ['app.tenant_key', '1', '2'],
  ['app.bypass_rls', 'on', 'off'],
  ['myapp.api_token', 'a1b2c3', 'z9y8x7'],
  ['acme.secret_scope', 'eu', 'us'],
  ['App.Tenant_KEY', '1', '2'],
];

describe('a parameter whose name looks like a secret', () => {
  it.each(EDITS)('%s: %s then %s is another definition', (name, before, after) => {
    expect(hashOf(`${BASE}?${name}=${before}`)).not.toBe(hashOf(`${BASE}?${name}=${after}`));
    // Added where there was none, or taken away: another definition too.
    expect(hashOf(`${BASE}?${name}=${before}`)).not.toBe(hashOf(BASE));
  });

  it.each(EDITS)('%s: its value is never in the target or its description', (name, before) => {
    const target = resolveTarget(`${BASE}?${name}=${before}`, {}) as ResolvedTarget;
    expect(JSON.stringify(target)).not.toContain(`"${before}"`);
    expect(describeTarget(target)).not.toContain(`=${before}`);
  });

  it('controls: the same value, the order of parameters and the password do not change the definition', () => {
    expect(hashOf(`${BASE}?app.tenant_key=1&x.y=2`)).toBe(hashOf(`${BASE}?x.y=2&app.tenant_key=1`));
    expect(hashOf(`${BASE}?app.tenant_key=1`)).toBe(hashOf('postgres://reader:rotated@db.example.com:5432/app?app.tenant_key=1'));
    // Not custom settings: a built-in one no read depends on, and one the server refuses to connect with.
    expect(hashOf(`${BASE}?password_encryption=md5`)).toBe(hashOf(`${BASE}?password_encryption=scram-sha-256`));
    expect(hashOf(`${BASE}?password=x`)).toBe(hashOf(`${BASE}?password=y`));
  });
});

describeOnPostgres('a gate after a secret-named parameter was edited, on postgres', () => {
  const role = `h_ev_tenant_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  let catalog: Catalog;
  let gates: GateService;
  const cleanups: (() => Promise<void>)[] = [];
  const urlFor = (tenant: string) => {
    const url = new URL(db.url);
    url.username = role;
    url.searchParams.set('app.tenant_key', tenant);
    return url.toString();
  };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    // Tenant 1's orders all have a customer; tenant 2 has one without. The view shows the reader one tenant.
    await db.exec(`create role ${role} login;
      create table orders (id int primary key, tenant int not null, customer text);
      insert into orders select g, 1 + g % 2, case when g = 7 then null else 'c' || g end from generate_series(1, 40) g;
      create view tenant_orders as select id, customer from orders where tenant = current_setting('app.tenant_key')::int;
      grant select on tenant_orders to ${role};`);
    ({ store, close: closeStore } = await createTestStore('postgres'));
    catalog = catalogFor(urlFor('1'));
    const sources = createSourceRegistry(catalog.sources, { dataDir: db.dataDir });
    const runner = createRunner({ store, sources, clock: systemClock, instanceId: 'tenant-test', guard: createLeaseGuard(store, { holder: 'tenant-test', clock: systemClock, pollMs: 20 }) });
    gates = createGateService({ store, runner, catalog: () => catalog, clock: systemClock, evidenceTtlMs: 0 });
    cleanups.push(() => gates.close(), () => runner.drain(), () => sources.closeAll());
    const { finished } = await runner.start({ checks: [catalog.checks.get('orders-have-customer')!], trigger: 'api' });
    expect((await finished).status).toBe('finished');
  });

  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await closeStore?.();
    await db?.close();
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop role if exists ${role}`).finally(() => admin.end());
  });

  it('stops counting the pass read as another tenant', async () => {
    // Control: tenant 1's pass opens tenant 1's gate.
    const first = await gates.decide('orders', 'contract');
    expect(first.reasons).toEqual([]);
    expect(first.allowed).toBe(true);
    // The file now reads tenant 2 (its order 7 has no customer); nothing has run since.
    catalog = catalogFor(urlFor('2'));
    const decision = await gates.decide('orders', 'contract');
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['stale_definition']);
  });
});

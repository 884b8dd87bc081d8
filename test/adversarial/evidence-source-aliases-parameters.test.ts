/**
 * Which server a source name reaches depends on its hosts, ports and database (and
 * target_session_attrs), not on the role or the settings it connects with. The gate grouped names
 * by their whole target, so `legacy` with `?search_path=legacy` and `app` on the same database —
 * the usual shape of a schema migration inside one database — were two sources to it: a check
 * reading `app` that found another server behind the host did not oppose a pass read through
 * `legacy`, and one answer counted passes about two servers. Now names are grouped by the server
 * their URL reaches. The variants of the second name are a table; each fails on the old code.
 * Passes are recorded by hand, as read from the server, in a real store on both engines.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createGateService, type GateService } from '../../src/gate/gate-service.js';
import type { ServerIdentity } from '../../src/results/server-identity.js';
import type { Store } from '../../src/store/store.js';
import { storeClockFrom } from '../../src/store/store-clock.js';
import { createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { fakeClock } from '../support/fake-clock.js';
import { catalogFromYaml } from '../support/run-check.js';

const YAML = `
checks:
  - { id: legacy-has-email, kind: sql_assert, source: legacy, query: "select id from users where email is null" }
  - { id: app-unique-email, kind: sql_assert, source: app, query: "select email from users group by email having count(*) > 1" }
  - { id: app-not-empty, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
migrations:
  - id: users-email
    phases:
      - name: contract
        requires: [legacy-has-email, app-unique-email]
        max_age: 1h
`;

const APP = 'postgres://parity@db.example.com:5432/shop';
const at = (url: string): TestDatabase => ({ engine: 'postgres', url, dataDir: 'memory:none', exec: async () => [], close: async () => {} });

/** How `legacy`'s URL differs from `app`'s while reaching the same server; `null`: a control that reaches another one. */
const VARIANTS: [string, string, boolean][] = [
  ['another search_path', `${APP}?search_path=legacy`, true],
  ['options setting the search_path', `${APP}?options=${encodeURIComponent('-c search_path=legacy')}`, true],
  ['a custom setting', `${APP}?app.area=legacy`, true],
  ['a custom setting with a secret-looking name', `${APP}?app.tenant_key=1`, true],
  ['another role', 'postgres://legacy_reader@db.example.com:5432/shop', true],
  ['the default port written out', 'postgres://parity@db.example.com/shop?application_name=legacy', true],
  // Controls: another database, another host — other servers, judged apart as before.
  ['another database', 'postgres://parity@db.example.com:5432/shop_legacy', false],
  ['another host', 'postgres://parity@db2.example.com:5432/shop', false],
];

const server: ServerIdentity = {
  system_identifier: '7001', timeline: 1, database: 'shop', database_oid: '16384', user: 'parity', address: '10.0.0.5', port: 5432,
  version_num: 150000, version: '15', in_recovery: false, privilege_warnings: [], replica_lag: { state: 'primary', lag_ms: 0, replay_paused: null, receive_lsn: null, replay_lsn: null, max_replica_lag_ms: null },
};
const another: ServerIdentity = { ...server, system_identifier: '7002' };

describe.each(engines)('gate evidence through two names whose URLs differ in role or settings, on %s', (engine) => {
  describe.each(VARIANTS)('legacy with %s', (_name, legacyUrl, oneServer) => {
    const clock = fakeClock();
    let store: Store;
    let close: () => Promise<void>;
    let gates: GateService;
    let catalog: Catalog;
    beforeAll(async () => {
      ({ store, close } = await createTestStore(engine, { clock: storeClockFrom(clock) }));
      catalog = catalogFromYaml(YAML, { app: at(APP), legacy: at(legacyUrl) });
      gates = createGateService({ store, runner: { start: () => { throw new Error('no runs here'); } }, catalog: () => catalog, clock, evidenceTtlMs: 0 });
    });
    afterAll(async () => {
      await gates?.close();
      await close?.();
    });

    async function recordPass(checkId: string, source: string, identity: ServerIdentity) {
      const runId = randomUUID();
      const resultId = randomUUID();
      await store.createRun({ id: runId, trigger: 'cli', checkIds: [checkId], selector: {}, createdAt: clock.now() });
      await store.startResult({ id: resultId, runId, checkId, kind: 'sql_assert', definitionHash: catalog.checks.get(checkId)!.hash });
      await store.markReading(resultId);
      await store.finishResult(resultId, {
        status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
        servers: { [source]: identity }, finishedAt: clock.now(), durationMs: 1, samples: [],
      });
      await store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, clock.now());
      clock.advance(1_000);
    }

    it(oneServer ? 'denies the pass read through legacy once app was read as another server' : 'judges the two names apart (control)', async () => {
      await recordPass('legacy-has-email', 'legacy', server);
      await recordPass('app-unique-email', 'app', server);
      // Control: both read the same server.
      expect((await gates.decide('users-email', 'contract')).allowed).toBe(true);
      // A check nobody gates on reads `app` and finds another server behind the host.
      await recordPass('app-not-empty', 'app', another);
      const decision = await gates.decide('users-email', 'contract');
      if (oneServer) {
        expect(decision.allowed).toBe(false);
        expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', 'server_changed']);
      } else {
        // Another database or host: what `app` reaches says nothing of `legacy`.
        expect(decision.checks.map((c) => c.denial)).toEqual([null, 'server_changed']);
      }
    });
  });
});

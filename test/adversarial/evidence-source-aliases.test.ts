/**
 * Two source names whose URLs resolve to one target (`legacy` and `app` on one database: the usual
 * shape of a migration inside one database) are one source to the server they reach. The gate's
 * server rule (a pass counts only about the server its source reaches now) compared servers by
 * source name: after a check reading `app` found another server behind the URL, a pass read
 * through `legacy` before the re-point still counted, and one answer allowed on evidence about two
 * servers — where the same checks through one source name were denied. Both engines.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerIdentity } from '../../src/results/server-identity.js';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';

const SEED = `create table users (id int primary key, email text); insert into users select g, 'u' || g || '@x' from generate_series(1, 50) g;`;

const YAML = `
checks:
  - { id: legacy-has-email, kind: sql_assert, source: legacy, query: "select id from users where email is null" }
  - { id: app-unique-email, kind: sql_assert, source: app, query: "select email from users group by email having count(*) > 1" }
  - { id: app-not-empty, kind: sql_assert, source: app, query: "select 1 where not exists (select 1 from users)" }
migrations:
  - id: users-email
    phases:
      - name: contract
        requires: [legacy-has-email, app-unique-email]
        max_age: 1h
`;

const GATE = ['users-email', 'contract'] as const;

describe.each(engines)('gate evidence through two names for one source target, on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML, seedSql: SEED, aliases: ['legacy'] });
  });
  afterAll(() => world?.close());

  async function identityOf(checkId: string, source: string): Promise<ServerIdentity> {
    const [result] = await world.store.checkHistory(checkId, 1);
    return result!.servers[source]!;
  }

  /** A pass of `checkId` under its current definition that read `source` as `server` (a host whose DNS sends the URL elsewhere). */
  async function recordPass(checkId: string, source: string, server: ServerIdentity) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await world.store.createRun({ id: runId, trigger: 'cli', checkIds: [checkId], selector: {}, createdAt: world.clock.now() });
    await world.store.startResult({ id: resultId, runId, checkId, kind: 'sql_assert', definitionHash: world.catalog().checks.get(checkId)!.hash });
    await world.store.markReading(resultId);
    await world.store.finishResult(resultId, {
      status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
      servers: { [source]: server }, finishedAt: world.clock.now(), durationMs: 1, samples: [],
    });
    await world.store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, world.clock.now());
  }

  const another = (server: ServerIdentity): ServerIdentity => ({ ...server, system_identifier: '7000000000000000001' });

  it('denies a pass read through one name once a check read the other name as another server', async () => {
    await world.run(['legacy-has-email', 'app-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
    // A check nobody gates on reads `app` — the same URL as `legacy` — and finds another server.
    await recordPass('app-not-empty', 'app', another(await identityOf('legacy-has-email', 'legacy')));
    world.clock.advance(1_000);
    const decision = await world.gates.decide(...GATE);
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', 'server_changed']);
    expect(decision.reasons[0]).toMatch(/source "legacy"/);
    // Once the required checks read the server the target reaches now, they count again.
    await world.run(['legacy-has-email', 'app-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
  });

  it('denies when the required passes read the two names as two servers', async () => {
    await world.run(['legacy-has-email']);
    world.clock.advance(1_000);
    await recordPass('app-unique-email', 'app', another(await identityOf('legacy-has-email', 'legacy')));
    world.clock.advance(1_000);
    const decision = await world.gates.decide(...GATE);
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', null]);
  });
});

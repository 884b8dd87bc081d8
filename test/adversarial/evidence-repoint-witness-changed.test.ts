/**
 * A gate must never open on evidence about another server. A pass stops counting once a later
 * result read one of its sources as another server. The witness search (store/gates.ts laterServer)
 * found those results by the *current* definition hash of each check reading the source: editing,
 * deleting or renaming the check that saw the re-point changes nothing about what the source
 * reaches, yet its reading dropped out of the search and the passes about the old server opened the
 * gate again. Sound outcome: still denied, until the required checks pass on the server the source
 * reaches now; another catalog's source of the same name that reaches another target never denies.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerIdentity } from '../../src/results/server-identity.js';
import { reachKey } from '../../src/checkfile/reach-key.js';
import { engines } from '../support/databases.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { EMAIL_GATE as GATE, EMAIL_GATE_SEED as SEED, NOT_EMPTY_WITNESS, emailGateYaml } from '../support/email-gate.js';

const yamlWith = emailGateYaml;
const WITNESS = NOT_EMPTY_WITNESS;
/** The same witness reading `legacy`, another name whose URL is `app`'s. */
const LEGACY_WITNESS = WITNESS.replace('source: app', 'source: legacy');

/** Where a URL of another catalog, on another host, reaches. */
const ELSEWHERE = reachKey({ hosts: [{ host: 'db.staging.example.com', port: 5432 }], database: 'shop', user: 'parity', target_session_attrs: null, parameters: [] });

describe.each(engines)('a re-point seen by a check whose definition changed since, on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: yamlWith(WITNESS), seedSql: SEED, aliases: ['legacy'] });
  });
  afterAll(() => world.close());

  async function identityOf(checkId: string): Promise<ServerIdentity> {
    const [result] = await world.store.checkHistory(checkId, 1);
    return result!.servers.app!;
  }
  const another = async (): Promise<ServerIdentity> => ({ ...(await identityOf('users-have-email')), system_identifier: '7000000000000000001' });

  /**
   * A pass of `checkId` that read `source` as `server` (what a run after a DNS re-point records),
   * under its current definition unless another hash is given.
   */
  async function recordPass(checkId: string, server: ServerIdentity, options: { source?: string; hash?: string } = {}) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await world.store.createRun({ id: runId, trigger: 'cli', checkIds: [checkId], selector: {}, createdAt: world.clock.now() });
    await world.store.startResult({ id: resultId, runId, checkId, kind: 'sql_assert', definitionHash: options.hash ?? world.catalog().checks.get(checkId)!.hash });
    await world.store.markReading(resultId);
    await world.store.finishResult(resultId, {
      status: 'pass', summary: 'no rows', observations: {}, statements: [], error: null,
      servers: { [options.source ?? 'app']: server }, finishedAt: world.clock.now(), durationMs: 1, samples: [],
    });
    await world.store.finishRun(runId, 'finished', { pass: 1, fail: 0, error: 0, total: 1 }, world.clock.now());
  }

  /** The required checks pass on the server `app` reaches (a real run), and the gate allows. */
  async function passedOnX(witness: string) {
    world.setYaml(yamlWith(witness));
    await world.run(['users-have-email', 'users-unique-email']);
    world.clock.advance(1_000);
    expect((await world.gates.decide(...GATE)).allowed).toBe(true);
  }

  const denial = async () => {
    const decision = await world.gates.decide(...GATE);
    return { allowed: decision.allowed, denials: decision.checks.map((c) => c.denial) };
  };
  const DENIED = { allowed: false, denials: ['server_changed', 'server_changed'] };

  it.each([
    ['the witness check edited (its query reworded)', WITNESS, WITNESS.replace('from users)', 'from users limit 1)')],
    ['the witness check deleted from the files', WITNESS, ''],
    ['the witness check renamed (same query, new id)', WITNESS, WITNESS.replace('users-not-empty', 'users-exist')],
    ['the witness check of another kind under the same id', WITNESS, '  - { id: users-not-empty, kind: null_check, source: app, table: users, columns: [email] }'],
    ['the witness check moved to another name for the same URL', WITNESS, LEGACY_WITNESS],
    ['a witness reading another name for the same URL, deleted', LEGACY_WITNESS, ''],
    ['a witness reading another name for the same URL, moved to the gated name', LEGACY_WITNESS, WITNESS],
  ])('%s: the passes about the old server still do not count', async (_name, witness, edited) => {
    await passedOnX(witness);
    // A check nobody gates on reads the source and finds another server behind the same URL.
    const source = witness === LEGACY_WITNESS ? 'legacy' : 'app';
    await recordPass('users-not-empty', await another(), { source });
    world.clock.advance(1_000);
    expect(await denial()).toEqual(DENIED);
    // Someone touches only that check. Nothing about what the source reaches changed: the store
    // still holds a reading, after the passes, of another server behind `app`.
    world.setYaml(yamlWith(edited));
    world.clock.advance(2_000);
    expect(await denial()).toEqual(DENIED);
  });

  it('the denial holds after the witness is deleted until each required check passes on the server the URL reaches now', async () => {
    await passedOnX(WITNESS);
    await recordPass('users-not-empty', await another());
    world.setYaml(yamlWith(''));
    world.clock.advance(1_000);
    expect(await denial()).toEqual(DENIED);
    await recordPass('users-have-email', await another());
    world.clock.advance(1_000);
    expect((await denial()).allowed).toBe(false);
    await recordPass('users-unique-email', await another());
    world.clock.advance(1_000);
    expect(await denial()).toEqual({ allowed: true, denials: [null, null] });
  });

  it.each([
    ['under an id this catalog has', 'users-not-empty'],
    ['under an id this catalog does not have', 'staging-users-not-empty'],
  ])('another catalog\'s source of the same name reaching another target does not deny (%s)', async (_name, checkId) => {
    await passedOnX(WITNESS);
    await recordPass(checkId, { ...(await another()), target: ELSEWHERE }, { hash: 'definition-of-another-catalog' });
    world.clock.advance(1_000);
    expect(await denial()).toEqual({ allowed: true, denials: [null, null] });
  });
});

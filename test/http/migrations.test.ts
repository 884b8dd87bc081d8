import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { createHttpFixture, json, type HttpFixture } from './support.js';


const READ = 'reader-token-0123456789';
const RUN = 'runner-token-0123456789';

describe.each(engines)('migrations API on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML, tokens: `ci:${READ}:read,deployer:${RUN}:run` });
  });
  afterAll(() => fx.close());

  const read = { token: READ };
  const run = { token: RUN };

  it('lists migrations with their phases and inherited checks', async () => {
    const response = await fx.request('GET', '/v1/migrations', read);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.migrations).toEqual([{
      id: 'users-split-name', description: 'split users.full_name into first_name / last_name', file: expect.stringMatching(/checks\.yaml$/), line: expect.any(Number), column: expect.any(Number),
      phases: [
        { name: 'switch-reads', description: null, requires: ['users-row-count', 'users-name-parity'], inherits: [], max_age_s: 3600, require_earlier_phases: true, coverage: 'full' },
        { name: 'contract', description: null, requires: ['gated'], inherits: ['users-row-count', 'users-name-parity'], max_age_s: 900, require_earlier_phases: true, coverage: 'full' },
      ],
    }]);
  });

  it('answers 200 with allowed: false and the reasons before anything ran', async () => {
    const response = await fx.request('GET', '/v1/migrations/users-split-name/gates/switch-reads?respond=body', read);
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({
      migration: 'users-split-name', phase: 'switch-reads', allowed: false, requested_by: 'ci', refreshed: false, evaluated: true,
      reasons: ['check "users-row-count" has no result yet', 'check "users-name-parity" has no result yet'],
    });
    expect(body.evaluated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(body.checks[0]).toEqual({ id: 'users-row-count', status: 'missing', result_id: null, finished_at: null, age_s: null, max_age_s: 3600, required_by: ['switch-reads'], reason: 'check "users-row-count" has no result yet', denial: 'missing' });
  });

  it('refreshes with POST ?refresh=true (run scope), denies on the defects, allows once they are repaired', async () => {
    expect((await fx.request('POST', '/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body', read)).status).toBe(403);
    const denied = await json(await fx.request('POST', '/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body', run));
    expect(denied).toMatchObject({ allowed: false, refreshed: true, requested_by: 'deployer', run_id: expect.any(String) });
    expect(denied.reasons).toEqual([expect.stringMatching(/^check "users-name-parity" failed: .*2 mismatching/)]);
    expect(denied.checks.map((c: any) => [c.id, c.status])).toEqual([['users-row-count', 'pass'], ['users-name-parity', 'fail']]);

    await fx.db.exec(`update users set last_name = 'Last' || id where last_name = 'Wrong'`);
    const allowed = await json(await fx.request('POST', '/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body', run));
    expect(allowed).toMatchObject({ allowed: true, reasons: [], refreshed: true });
    const polled = await fx.request('GET', '/v1/migrations/users-split-name/gates/switch-reads?respond=body', read);
    expect(await json(polled)).toMatchObject({ allowed: true, refreshed: false });
    // A plain POST only needs read: asking is not running.
    expect((await fx.request('POST', '/v1/migrations/users-split-name/gates/switch-reads?respond=body', read)).status).toBe(200);
  });

  it('shows every phase\'s current verdict on the migration without recording decisions', async () => {
    const before = (await json(await fx.request('GET', '/v1/migrations/users-split-name/decisions', read))).decisions.length;
    const body = await json(await fx.request('GET', '/v1/migrations/users-split-name', read));
    expect(body.migration.gates.map((g: any) => [g.phase, g.allowed])).toEqual([['switch-reads', true], ['contract', false]]);
    expect(body.migration.gates[1].reasons).toEqual(['check "gated" has no result yet']);
    const after = (await json(await fx.request('GET', '/v1/migrations/users-split-name/decisions', read))).decisions.length;
    expect(after).toBe(before);
  });

  it('lists recorded decisions newest first, filtered by phase', async () => {
    await fx.request('GET', '/v1/migrations/users-split-name/gates/contract?respond=body', read);
    const all = await json(await fx.request('GET', '/v1/migrations/users-split-name/decisions?limit=3', read));
    expect(all.decisions).toHaveLength(3);
    expect(all.decisions[0]).toMatchObject({ migration: 'users-split-name', phase: 'contract', allowed: false, requested_by: 'ci', reasons: ['check "gated" has no result yet'] });
    expect(all.decisions[0].checks.map((c: any) => c.id)).toEqual(['users-row-count', 'users-name-parity', 'gated']);
    const switchReads = await json(await fx.request('GET', '/v1/migrations/users-split-name/decisions?phase=switch-reads', read));
    // The same answer on the same evidence to the same caller is one row with a repeat count.
    expect(switchReads.decisions.map((d: any) => [d.allowed, d.requested_by, d.repeat_count])).toEqual([[true, 'ci', 2], [true, 'deployer', 1], [false, 'deployer', 1], [false, 'ci', 1]]);
    expect(Date.parse(switchReads.decisions[0].last_seen_at)).toBeGreaterThanOrEqual(Date.parse(switchReads.decisions[0].evaluated_at));
  });

  it('answers 404 with a stable code for an unknown migration or phase, and 401 without a token', async () => {
    const noMigration = await fx.request('GET', '/v1/migrations/nope/gates/contract?respond=body', read);
    expect(noMigration.status).toBe(404);
    expect((await json(noMigration)).error).toMatchObject({ code: 'migration_not_found', message: 'migration "nope" is not declared; declared migrations: users-split-name' });
    const noPhase = await fx.request('POST', '/v1/migrations/users-split-name/gates/nope?respond=body', read);
    expect((await json(noPhase)).error).toMatchObject({ code: 'phase_not_found', message: 'migration "users-split-name" has no phase "nope"; its phases are: switch-reads, contract' });
    expect((await fx.request('GET', '/v1/migrations/nope', read)).status).toBe(404);
    expect((await fx.request('GET', '/v1/migrations/nope/decisions', read)).status).toBe(404);
    expect((await fx.request('GET', '/v1/migrations/users-split-name/gates/contract')).status).toBe(401);
    expect((await fx.request('POST', '/v1/migrations/users-split-name/gates/contract?refresh=maybe&respond=body', run)).status).toBe(422);
  });

  it('documents the gate in /openapi.json', async () => {
    const spec = await json(await fx.request('GET', '/openapi.json'));
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/migrations', '/v1/migrations/{id}', '/v1/migrations/{id}/gates/{phase}', '/v1/migrations/{id}/decisions']));
    expect(Object.keys(spec.paths['/v1/migrations/{id}/gates/{phase}'].post.responses)).toEqual(expect.arrayContaining(['200', '503']));
  });

  // Last: it breaks the fixture's store.
  it('answers 503 with allowed: false when the state store is unavailable', async () => {
    await fx.service.store.close();
    const response = await fx.request('GET', '/v1/migrations/users-split-name/gates/switch-reads?respond=body', read);
    expect(response.status).toBe(503);
    const body = await json(response);
    expect(body).toMatchObject({ allowed: false, evaluated: false, id: null, error: { code: 'gate_unavailable' } });
    expect(body.reasons[0]).toMatch(/^could not evaluate the gate for users-split-name\/switch-reads: could not read results from the state store/);
  });
});

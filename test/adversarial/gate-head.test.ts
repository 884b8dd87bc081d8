/**
 * A HEAD request has no body, so a consumer that sends one can read only the status. A gate route
 * that answered HEAD 200 for a denied gate (its default `respond=body` status) would tell a HEAD
 * caller — `curl -I --fail`, a health-style probe — "go" for a gate that is closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { createHttpFixture, type HttpFixture } from '../http/support.js';

const GATE = '/v1/migrations/users-split-name/gates/switch-reads';

describe.each(engines)('a HEAD request to a gate, on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML });
  });
  afterAll(() => fx?.close());

  it('is answered by status: 412 while the gate is denied, whatever respond says', async () => {
    for (const query of ['', '?respond=body', '?respond=status']) {
      const response = await fx.request('HEAD', `${GATE}${query}`);
      expect(response.status, `HEAD ${GATE}${query}`).toBe(412);
      expect(await response.text()).toBe('');
    }
  });

  it('is answered 200 once the gate allows', async () => {
    // Repair the planted mismatches: switch-reads opens; a row in `gate` keeps contract closed.
    await fx.db.exec("update users set last_name = 'Last' || id where id in (7, 42); insert into gate values (1)");
    expect((await fx.request('POST', '/v1/runs?wait=true', { body: { all: true } })).status).toBe(200);
    expect((await fx.request('GET', `${GATE}?respond=body`)).status).toBe(200);
    expect((await fx.request('HEAD', GATE)).status).toBe(200);
    // A GET that asks for the body form answers 200 either way, for pollers that read `allowed`.
    expect((await fx.request('GET', '/v1/migrations/users-split-name/gates/contract?respond=body')).status).toBe(200);
    expect((await fx.request('HEAD', '/v1/migrations/users-split-name/gates/contract')).status).toBe(412);
  });
});

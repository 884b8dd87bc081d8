import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { CHECKS_YAML, createHttpFixture, json, type HttpFixture } from '../http/support.js';
import { CHROMIUM, dumpDom, screenshot } from '../support/chromium.js';
import { toolAvailable } from '../support/tools.js';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';
import { countColour, readPng } from '../support/png.js';

/** An sql_assert whose offending rows are the two broken users: its samples are whole rows with no key. */
const ORPHANS_CHECK = `
  - id: orphans
    kind: sql_assert
    source: app
    query: "select id as orphan_id, last_name from users where last_name = 'Wrong' order by id"
`;
const CHECKS = MIGRATIONS_YAML.replace('\nmigrations:', `${ORPHANS_CHECK}migrations:`);

const hasChromium = toolAvailable('chromium', existsSync(CHROMIUM), 'apt-get install -y chromium (.ci/run does)');

/** The solid verdict colours of the status page's stylesheet. */
const ALLOWED_GREEN: [number, number, number] = [0x2b, 0x8a, 0x3e];
const DENIED_RED: [number, number, number] = [0xc9, 0x2a, 0x2a];

describe.each(engines)('status page on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: CHECKS, env: { PARITY_PORT: '0' } });
  });
  afterAll(() => fx.close());

  it('renders migrations, phase verdicts with reasons, latest results and mismatch samples, escaping data', async () => {
    await fx.db.exec(`update users set full_name = '<script>alert(1)</script>' where id = 7`);
    await fx.request('POST', '/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body');
    const response = await fx.request('GET', '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<section data-migration="users-split-name">');
    expect(html).toMatch(/<tr data-phase="switch-reads" data-verdict="denied">/);
    expect(html).toMatch(/<tr data-phase="contract" data-verdict="denied">/);
    expect(html).toContain('check &quot;users-name-parity&quot; failed:');
    expect(html).toContain('check &quot;gated&quot; has no result yet');
    expect(html).toMatch(/<tr data-check="users-name-parity">.*data-status="fail".*<td>2<\/td>/s);
    expect(html).toContain('<section data-samples="users-name-parity">');
    expect(html).toContain('&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('shows the offending rows of samples without a key (sql_assert), and keys as column = value', async () => {
    await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['orphans', 'users-name-parity'] } });
    const html = await (await fx.request('GET', '/')).text();
    const section = (id: string) => /<section data-samples="[^"]+">.*?<\/section>/gs[Symbol.match](html)!.find((s) => s.includes(`data-samples="${id}"`))!;
    const orphans = section('orphans');
    // The row's own values, where `row {}` was shown before.
    expect(orphans).toContain('<tr data-sample="row"><td>row</td><td><code>last_name = Wrong, orphan_id = 7</code></td></tr>');
    expect(orphans).toContain('<code>last_name = Wrong, orphan_id = 42</code>');
    expect(orphans).not.toContain('{}');
    // No empty old/new/detail columns for samples that have none.
    expect(orphans).toContain('<thead><tr><th>category</th><th>row</th></tr></thead>');
    const parity = section('users-name-parity');
    expect(parity).toContain('<thead><tr><th>category</th><th>row</th><th>old</th><th>new</th></tr></thead>');
    expect(parity).toContain('<td>mismatch</td><td><code>id = 42</code></td><td><code>&quot;First42 Last42&quot;</code></td><td><code>&quot;First42 Wrong&quot;</code></td>');
    expect(parity).not.toContain('{&quot;id&quot;');
  });

  it('lists each gate reason once per migration; a later phase points to the phase above that shows it', async () => {
    await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-name-parity'] } });
    const html = await (await fx.request('GET', '/')).text();
    const failed = 'check &quot;users-name-parity&quot; failed:';
    expect(html.split(failed)).toHaveLength(2);
    const contract = /<tr data-phase="contract".*?<\/tr>/s.exec(html)![0];
    expect(contract).toContain('<li>check &quot;gated&quot; has no result yet</li>');
    expect(contract).toContain('<li class="muted" data-shown-above="switch-reads">and 1 reason shown for switch-reads above</li>');
    expect(contract).not.toContain(failed);
    expect(/<tr data-phase="switch-reads".*?<\/tr>/s.exec(html)![0]).toContain(failed);
  });

  it('requires the read scope when tokens are configured', async () => {
    const guarded = await createHttpFixture(engine, { checks: CHECKS_YAML, tokens: 'viewer:viewer-token-0123456789:read' });
    try {
      expect((await guarded.request('GET', '/')).status).toBe(401);
      expect((await guarded.request('GET', '/', { token: 'viewer-token-0123456789' })).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  // One browser pass is enough: the page is the same whichever engine stores the state.
  if (engine === 'pglite' && hasChromium) it('shows the verdicts in headless Chromium, and the screenshot turns green when the gate opens', async () => {
    let server: RunningServer | undefined;
    try {
      server = await startServer(fx.service);
      const dom = await dumpDom(`${server.url}/`);
      expect(dom).toMatch(/<tr data-phase="switch-reads" data-verdict="denied">/);
      expect(dom).toMatch(/<span class="verdict denied">denied<\/span>/);
      const deniedShot = readPng(await screenshot(`${server.url}/`));
      expect(countColour(deniedShot, DENIED_RED)).toBeGreaterThan(200);
      expect(countColour(deniedShot, ALLOWED_GREEN)).toBe(0);

      await fx.db.exec(`update users set last_name = 'Last' || id where last_name = 'Wrong'`);
      await fx.db.exec(`update users set full_name = first_name || ' ' || last_name where id = 7`);
      const decision = await json(await fx.request('POST', '/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body'));
      expect(decision.allowed).toBe(true);

      const allowedDom = await dumpDom(`${server.url}/`);
      expect(allowedDom).toMatch(/<tr data-phase="switch-reads" data-verdict="allowed">/);
      expect(allowedDom).toMatch(/<tr data-phase="contract" data-verdict="denied">/);
      const allowedShot = readPng(await screenshot(`${server.url}/`));
      expect(countColour(allowedShot, ALLOWED_GREEN)).toBeGreaterThan(200);
      expect(countColour(allowedShot, DENIED_RED)).toBeGreaterThan(200);
    } finally {
      await server?.close();
    }
  });
});

/**
 * The status page's contract-readiness section: coverage counting up to the window, the evidence
 * read and not read, and each finding — rendered from a real service on both engines, and from
 * fixed results for the states a database without pg_stat_statements cannot produce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContractReadiness } from '../../src/http/routes/status-readiness.js';
import type { LoadedCheck } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { createHttpFixture, type HttpFixture } from '../http/support.js';
import { engines } from '../support/databases.js';

const CHECKS = `
checks:
  - id: full-name-unused
    kind: unused
    source: app
    columns: [public.users.full_name]
    window: 24h
    ignore: { roles: [postgres] }
  - id: legacy-unused
    kind: unused
    source: app
    evidence: catalog
    tables: [public.users_legacy]
    ignore: { roles: [postgres] }
`;

describe.each(engines)('contract readiness on the status page on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: CHECKS });
    await fx.db.exec('create view legacy_export as select id, full_name from users_legacy');
  });
  afterAll(() => fx.close());

  it('shows each unused check with its evidence, what it did not read, and the dependency it named', async () => {
    expect((await fx.request('POST', '/v1/runs?wait=true', { body: { all: true } })).status).toBe(200);
    const html = await (await fx.request('GET', '/')).text();
    expect(html).toContain('<section data-section="contract-readiness">');
    const legacy = html.slice(html.indexOf('<tr data-readiness="legacy-unused"'));
    expect(legacy).toMatch(/^<tr data-readiness="legacy-unused" data-evidence="catalog">/);
    expect(legacy).toContain('no window: evidence: catalog reads no statement statistics');
    expect(legacy).toMatch(/<strong>NOT read:<\/strong> statement calls over the window \(pg_stat_statements\); table writes/);
    expect(legacy).toContain('<li data-finding="catalog">view legacy_export depends on public.users_legacy</li>');
    // Without pg_stat_statements the full-evidence check could not verify, and says why rather than counting up.
    const full = html.slice(html.indexOf('<tr data-readiness="full-name-unused"'));
    expect(full).toMatch(/^<tr data-readiness="full-name-unused" data-evidence="full">.*data-status="error"/s);
    expect(full).toContain('statement_stats_unavailable: pg_stat_statements is not installed');
  });
});

describe('contract readiness section (pure render)', () => {
  const check = { spec: { id: 'full-name-unused', kind: 'unused' } } as unknown as LoadedCheck;
  const result = (over: Partial<ResultRecord>) => ({ status: 'error', summary: '', samples: [], observations: {}, ...over }) as ResultRecord;

  it('counts up: "observing: 3h of 24h covered" with a bar at 12%', () => {
    const html = String(<ContractReadiness checks={[{ check, finished: result({ observations: { evidence: 'full', window_seconds: 86_400, covered_seconds: 10_800, coverage_ratio: 0.125, evidence_read: ['a'], evidence_not_read: [], unverified: ['window_not_covered: observing: 3h of 24h covered'] } }) }]} />);
    expect(html).toContain('<span data-progress="coverage">observing: 3h of 24h covered</span>');
    expect(html).toContain('style="width: 12%"');
  });

  it('lists a reader with its role and count, and shows a covered window on a pass', () => {
    const finding = 'role reporting_ro ran `select full_name from users` 412 times in the last 25h (reads public.users.full_name)';
    const failing = String(<ContractReadiness checks={[{ check, finished: result({ status: 'fail', observations: { evidence: 'full', window_seconds: 86_400, covered_seconds: 90_000, coverage_ratio: 1 }, samples: [{ category: 'row', key: { target: 'public.users.full_name' }, detail: { finding, evidence: 'pg_stat_statements', calls: 412 } }] }) }]} />);
    expect(failing).toContain(`<li data-finding="pg_stat_statements">${finding}</li>`);
    expect(failing).toContain('24h window covered (25h observed)');
    expect(String(<ContractReadiness checks={[{ check: { spec: { id: 'x', kind: 'row_count' } } as unknown as LoadedCheck, finished: undefined }]} />)).toBe('');
  });
});

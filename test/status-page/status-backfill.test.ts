import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECKS_YAML, createHttpFixture, type HttpFixture } from '../http/support.js';
import { engines } from '../support/databases.js';
import { timeLeft } from '../../src/http/routes/status-backfill.js';
import type { BackfillProgress } from '../../src/telemetry/backfill-progress.js';

const BACKFILL_YAML = `${CHECKS_YAML}
  - id: users-last-name-filled
    kind: null_check
    source: app
    table: public.users
    columns: [last_name]
`;

describe.each(engines)('status page backfill section on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: BACKFILL_YAML });
  });
  afterAll(() => fx.close());

  const run = async () => {
    const response = await fx.request('POST', '/v1/runs?wait=true', { body: { ids: ['users-last-name-filled'] } });
    expect(response.status).toBe(200);
  };

  it('says so before any null_check has verified', async () => {
    const html = await (await fx.request('GET', '/')).text();
    expect(html).toContain('<section data-backfills="">');
    expect(html).toContain('No null_check has a verified result yet.');
  });

  it('shows rows left, share done, rate and time left from the stored results', async () => {
    await fx.db.exec('update users set last_name = null where id <= 50');
    await run();
    let html = await (await fx.request('GET', '/')).text();
    expect(html).toMatch(/<tr data-backfill="users-last-name-filled" data-stalled="false">.*<td>75\.0%<\/td><td>50 of 200<\/td><td>—<\/td><td>unknown: one result so far<\/td>/s);
    // The backfill job fills 30 more rows; the next result shows the progress and a rate.
    await fx.db.exec(`update users set last_name = 'Last' || id where id <= 30`);
    await run();
    html = await (await fx.request('GET', '/')).text();
    expect(html).toMatch(/<tr data-backfill="users-last-name-filled" data-stalled="false">.*<td>90\.0%<\/td><td>20 of 200<\/td><td>[\d,.]+<\/td><td>~[\dmsh ]+<\/td>/s);
  });
});

describe('time left', () => {
  const p = (over: Partial<BackfillProgress>): BackfillProgress => ({
    remaining: 10, inScope: 100, progressRatio: 0.9, rowsPerMinute: 5, etaSeconds: 120, at: new Date(0), since: new Date(0), ...over,
  });
  it('says done, the time left, stalled, or unknown', () => {
    expect(timeLeft(p({ remaining: 0, etaSeconds: 0 }))).toBe('done');
    expect(timeLeft(p({}))).toBe('~2m');
    expect(timeLeft(p({ rowsPerMinute: 0, etaSeconds: null }))).toBe('stalled: not falling');
    expect(timeLeft(p({ rowsPerMinute: null, etaSeconds: null, since: null }))).toBe('unknown: one result so far');
  });
});

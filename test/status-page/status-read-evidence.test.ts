/**
 * How a result was read, end to end through the real service and store: a chunked scan cancelled
 * mid-run (DELETE /v1/runs/:id) and resumed by the next run, an incremental chain, the replica lag
 * of a source with max_replica_lag, and a long check's last progress figures — in the stored
 * result, the API JSON, the status page and the CLI's text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRun } from '../../src/cli/format.js';
import { engines } from '../support/databases.js';
import { createHttpFixture, json, pollRun, type HttpFixture } from '../http/support.js';

const ROWS = 600;
const SEED = `
  create table items (id int primary key, a text, b text, updated_at timestamptz not null default now());
  create function items_touch() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
  create trigger items_touch before insert or update on items for each row execute function items_touch();
  insert into items select g, 'v' || g, 'v' || g from generate_series(1, ${ROWS}) g;
  analyze items;
`;

// Chunks of 100 rows (a 1 ms target holds them at their floor) with a pause between them: a run lasts long enough to be cancelled mid-scan.
const sources = (url: string) => `  big: { url: "${url}", max_replica_lag: 30s, scan: { mode: chunked, chunk_rows: 100, target_chunk_ms: 1, pause_ms: 150 } }\n`;

const CHECKS = `
checks:
  - { id: items-parity, kind: column_parity, source: big, table: items, key: [id], old: a, new: b }
  - { id: items-incremental, kind: column_parity, source: big, table: items, key: [id], old: a, new: b, incremental: { column: updated_at, overlap: 1s, full_every: 7d } }
`;

describe.each(engines)('how results were read, shown on %s', (engine) => {
  let fx: HttpFixture;
  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: CHECKS, extraSources: sources });
    await fx.db.exec(SEED);
  });
  afterAll(() => fx.close());

  const runOf = async (ids: string[]) => (await json(await fx.request('POST', '/v1/runs?wait=true', { body: { ids } }))).run;

  it('keeps a resumed chunked scan\'s origin and last progress figures, and shows them with the replica lag', async () => {
    // Start, wait until two chunks are recorded, cancel through the API.
    const started = await json(await fx.request('POST', '/v1/runs', { body: { ids: ['items-parity'] } }));
    const runId: string = started.run.id;
    for (let i = 0; i < 500; i++) {
      const done = fx.service.runner.progressOf(runId)?.find((p) => p.checkId === 'items-parity')?.rowsScanned ?? 0;
      if (done >= 200) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await fx.request('DELETE', `/v1/runs/${runId}`)).status).toBe(202);
    const cancelled = (await pollRun(fx, runId)).run;
    expect(cancelled.results[0].status).toBe('error');
    // The cancelled result keeps the progress it had made.
    expect(cancelled.results[0].progress.rows_scanned).toBeGreaterThanOrEqual(200);
    expect(cancelled.results[0].progress.rows_scanned).toBeLessThan(ROWS);

    const resumed = await runOf(['items-parity']);
    const result = resumed.results[0];
    expect(result.status).toBe('pass');
    expect(result.observations.rows).toBe(ROWS);
    // Typed in the API, and the same figures in the stored observations.
    expect(result.resumed_from).toMatchObject({ run_id: runId });
    expect(result.resumed_from.rows_scanned).toBeGreaterThanOrEqual(200);
    expect(result.progress).toMatchObject({ rows_scanned: ROWS, rows_estimated: ROWS });
    expect(result.progress.rows_per_second).toBeGreaterThan(0);
    expect(result.progress.elapsed_seconds).toBeGreaterThan(0);
    expect(result.observations.progress).toEqual(result.progress);
    expect(result.coverage).toBeNull();
    expect(result.servers.big.replica_lag).toMatchObject({ state: 'primary', lag_ms: 0, max_replica_lag_ms: 30_000 });

    const stored = (await fx.service.store.getRun(resumed.id))!;
    expect(stored.results[0]!.observations.progress).toEqual(result.progress);

    const html = await (await fx.request('GET', '/')).text();
    const row = /<tr data-check="items-parity">.*?<\/tr>/s.exec(html)![0];
    expect(row).toContain(`<li class="muted" data-evidence="resumed">resumed from run ${runId} (since ${result.resumed_from.since}) after `);
    expect(row).toContain('<li class="muted" data-evidence="replica_lag">read under replica lag: big: primary, no lag, limit 30 s</li>');
    expect(row).toMatch(/<li class="muted" data-evidence="progress">read 600 of ~600 rows in [\d.]+ m?s at [\d,.]+ rows\/s<\/li>/);

    const text = formatRun(stored);
    expect(text).toContain(`how each result was read:\n  items-parity:\n    resumed from run ${runId} (since ${result.resumed_from.since})`);
    expect(text).toContain('    read under replica lag: big: primary, no lag, limit 30 s');
  });

  it('shows the incremental coverage of a chain: full pass at T0 + N incremental passes, unbroken, last at T', async () => {
    const full = (await runOf(['items-incremental'])).results[0];
    expect(full.status).toBe('pass');
    expect(full.coverage).toMatchObject({ incremental_passes: 0, unbroken: true });
    await fx.db.exec('update items set a = a, b = b where id in (5, 6)');
    const next = (await runOf(['items-incremental'])).results[0];
    expect(next.status).toBe('pass');
    expect(next.observations.incremental.mode).toBe('incremental');
    expect(next.coverage).toEqual({ full_pass_at: full.coverage.full_pass_at, incremental_passes: 1, unbroken: true, last_at: next.observations.incremental.watermark });

    const html = await (await fx.request('GET', '/')).text();
    const row = /<tr data-check="items-incremental">.*?<\/tr>/s.exec(html)![0];
    expect(row).toContain(`<li class="muted" data-evidence="coverage">coverage: full pass at ${full.coverage.full_pass_at} + 1 incremental pass, unbroken, last at ${next.coverage.last_at}</li>`);
  });
});

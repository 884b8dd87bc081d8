/**
 * A long run reports rows done, the planner's estimate, the rate and the time left, computed on
 * the runner's one clock, and the run-event stream carries the same figures.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { ProgressEvent } from '../../src/runner/run-types.js';
import { createRunEventHub, type RunEvent } from '../../src/events/run-event-hub.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { fakeClock } from '../support/fake-clock.js';

const CHECKS = `
checks:
  - { id: items-null, kind: null_check, source: app, table: public.items, columns: [label] }
`;

describe.each(engines)('run progress on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec("create table items (id int primary key, label text); insert into items select g, 'x' from generate_series(1, 2000) g; analyze items;");
    ({ store, close: closeStore } = await createTestStore(engine));
  });
  afterAll(async () => {
    await closeStore();
    await db.close();
  });

  it('a chunked scan reports rows done against the estimate, with rate and time left from the clock', async () => {
    const catalog = catalogFromYaml(CHECKS, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0 });
    const sources = registryForCatalog(catalog, { app: db });
    // Every reading of the clock moves it one second: the figures are exact, whatever the machine's speed.
    const clock = fakeClock('2026-01-01T00:00:00Z', 1_000);
    const seen: ProgressEvent[] = [];
    const hub = createRunEventHub();
    const streamed: RunEvent[] = [];
    try {
      const runner = createRunner({ store, sources, clock, observers: [{ progress: (e) => seen.push(e) }, hub.observer] });
      const { run, finished } = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
      hub.subscribe(run.id, (e) => streamed.push(e));
      const done = await finished;
      expect(done.results[0]?.status).toBe('pass');
    } finally {
      await sources.closeAll();
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.some((e) => e.rowsScanned < 2000 && e.etaSeconds! > 0)).toBe(true);
    for (const e of seen) {
      const elapsed = (e.at.getTime() - e.startedAt.getTime()) / 1000;
      expect(elapsed).toBeGreaterThan(0);
      expect(e.rowsEstimated).toBe(2000);
      expect(e.rowsPerSecond).toBe(e.rowsScanned / elapsed);
      if (e.rowsScanned < 2000) expect(e.etaSeconds).toBe((2000 - e.rowsScanned) / e.rowsPerSecond!);
      else expect(e.etaSeconds).toBeNull();
    }
    expect(seen.at(-1)?.rowsScanned).toBe(2000);
    // Rows done only grow, and the time left shrinks as they do.
    expect(seen.map((e) => e.rowsScanned)).toEqual([...seen.map((e) => e.rowsScanned)].sort((a, b) => a - b));
    const streamedProgress = streamed.filter((e) => e.type === 'progress');
    expect(streamedProgress.length).toBe(seen.length);
    expect(streamedProgress[0]).toEqual({
      type: 'progress', run_id: seen[0]!.runId, check_id: 'items-null', rows_scanned: seen[0]!.rowsScanned, rows_estimated: 2000,
      rows_per_second: seen[0]!.rowsPerSecond, eta_seconds: seen[0]!.etaSeconds, started_at: seen[0]!.startedAt.toISOString(), at: seen[0]!.at.toISOString(),
    });
  });
});

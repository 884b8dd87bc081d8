/** Runs an `unused` check end to end (real loader, real engine) with a real state store for its snapshots. */
import { createLimiter } from '../../../src/concurrency/limiter.js';
import { executeCheck } from '../../../src/runner/execute-check.js';
import type { FinishedResult } from '../../../src/store/runs.js';
import type { Store } from '../../../src/store/store.js';
import { afterAll, beforeAll } from 'vitest';
import { catalogFromYaml, registryForCatalog } from '../../support/run-check.js';
import { createTestDatabase, createTestStore, type EngineName, type TestDatabase } from '../../support/databases.js';

/** Executes the first check of `checksYaml` against `db` (source `app`), keeping snapshots in `store` (none: no store). */
export async function runUnused(db: Pick<TestDatabase, 'url' | 'dataDir'>, checksYaml: string, store: Store | undefined): Promise<FinishedResult> {
  const sources = { app: db as TestDatabase };
  const catalog = catalogFromYaml(checksYaml, sources);
  const registry = registryForCatalog(catalog, sources);
  try {
    const check = [...catalog.checks.values()][0]!;
    return await executeCheck(check, { sources: registry, limiters: () => createLimiter(4), signal: new AbortController().signal, now: () => new Date(), snapshots: store });
  } finally {
    await registry.closeAll();
  }
}

/** Moves every stored snapshot of a check back in time, as if it had been taken `hours` earlier. */
export async function ageSnapshots(store: Store, checkId: string, hours: number, clocks: 'both' | 'server only' = 'both'): Promise<void> {
  const { sql } = await import('drizzle-orm');
  const age = sql`make_interval(hours => ${hours})`;
  // Time passing moves both clocks; a verified server's clock jumping forward moves only its own.
  const store_ = clocks === 'both' ? sql`, recorded_at = recorded_at - ${age}` : sql``;
  await store.state.db.execute(sql`update parity.counter_snapshots set taken_at = taken_at - ${age}${store_} where check_id = ${checkId}`);
}

/** A check file with one `unused` check. */
export function unusedYaml(id: string, body: string): string {
  return `checks:\n  - id: ${id}\n    kind: unused\n    source: app\n    window: 24h\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n`;
}

/**
 * A test database seeded with `seed` and a state store for its snapshots, opened before the
 * enclosing describe block's tests and closed after them; `opened` hands both to the block.
 */
export function withDatabaseAndStore(engine: EngineName, seed: string, opened: (both: { db: TestDatabase; store: Store }) => void): void {
  let db: TestDatabase | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const made = await createTestStore(engine);
    closeStore = made.close;
    await db.exec(seed);
    opened({ db, store: made.store });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await closeStore?.();
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness } from '../../src/service/readiness.js';
import type { Logger } from '../../src/logging/logger.js';
import { systemClock } from '../../src/runner/clock.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import type { Source } from '../../src/sources/types.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

describe.each(engines)('readiness on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(() => db.close());

  it('counts a source\'s least-privilege warnings on every probe but logs them once, not every 15 s', async () => {
    // The test role is a superuser on both engines, so it always raises warnings.
    const sources = registryForCatalog(catalogFromYaml('checks: []\n', { app: db }), { app: db });
    const warnings: unknown[] = [];
    const logger = { warn: (fields: unknown, message: string) => { if (message === 'source role is not least-privilege') warnings.push(fields); } } as unknown as Logger;
    const readiness = createReadiness({ store: { ping: async () => {} }, sources: () => sources, clock: systemClock, logger });
    try {
      for (let i = 0; i < 3; i++) {
        const snapshot = await readiness.probe();
        expect(snapshot.sources.app).toMatchObject({ status: 'ok', privilege_warnings: expect.any(Number) });
        expect(snapshot.sources.app!.privilege_warnings).toBeGreaterThan(0);
      }
      expect(warnings).toHaveLength(1);
    } finally {
      readiness.stop();
      await sources.closeAll();
    }
  });

  it('asks a source for its privileges once, not on every probe (a privilege scan is load on production)', async () => {
    const registry = registryForCatalog(catalogFromYaml('checks: []\n', { app: db }), { app: db });
    const real = await registry.get('app');
    let reads = 0;
    const counted: Source = { ...real, readOnly: (work, options) => { reads++; return real.readOnly(work, options); } };
    const sources = { names: () => ['app'], get: async () => counted } as unknown as SourceRegistry;
    const readiness = createReadiness({ store: { ping: async () => {} }, sources: () => sources, clock: systemClock });
    try {
      await readiness.probe();
      const afterFirst = reads;
      expect(afterFirst).toBeGreaterThan(0);
      await readiness.probe();
      await readiness.probe();
      expect(reads).toBe(afterFirst);
      expect((await readiness.probe()).sources.app!.privilege_warnings).toBeGreaterThan(0);
    } finally {
      await registry.closeAll();
    }
  });
});

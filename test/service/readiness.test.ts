import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness } from '../../src/service/readiness.js';
import type { Logger } from '../../src/logging/logger.js';
import { systemClock } from '../../src/runner/clock.js';
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
});

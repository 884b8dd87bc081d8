/**
 * How fresh the catalog a gate judges by is: every look compares the files (an edit is judged at
 * once); concurrent looks share reads, but never one that began before the edit they must see.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.js';
import { createCatalogHolder } from '../../src/service/catalog-holder.js';
import { fakeClock } from '../support/fake-clock.js';

describe('catalog freshness for gate answers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parity-freshness-'));
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const holderAt = async (clock = fakeClock('2025-06-01T12:00:00.000Z', 0)) => ({
    clock, holder: await createCatalogHolder({ dir, env: {}, initial: await loadCatalog(dir, {}), now: () => clock.now() }),
  });

  it('judges an edit at once without reuse, and shares reads among concurrent looks that all see it', async () => {
    const { holder } = await holderAt();
    const first = holder.catalog();
    await holder.current();
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n# edited\n');
    const looks = await Promise.all(Array.from({ length: 20 }, () => holder.current()));
    expect(looks.every((s) => s.valid)).toBe(true);
    expect(holder.catalog()).not.toBe(first);
  });

  // Was: a look up to 1 s old was trusted on the gate's hot path, so a gate asked right after an
  // edit judged by the old definition (test/adversarial/config-safety caught it). No reuse now.
  it('judges an edit made right after a look, whatever the clock says', async () => {
    const { clock, holder } = await holderAt();
    const first = holder.catalog();
    await holder.current();
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n# edited\n');
    clock.advance(1);
    await holder.current();
    expect(holder.catalog()).not.toBe(first);
  });

  // Looks trust a file's stat data once it has settled (check-file-look.ts); an edit that leaves
  // the stat data as it was (same size, same timestamp granule) must still be judged at once.
  it('judges a same-size edit made within one timestamp granule right after a look', async () => {
    const clock = fakeClock('2025-06-01T12:00:00.000Z', 0);
    const holder = await createCatalogHolder({
      dir, env: {}, initial: await loadCatalog(dir, {}), now: () => clock.now(), look: { marginMs: 1_000, timestampGranuleMs: 1_000 },
    });
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n# a\n');
    await holder.current();
    const first = holder.catalog();
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n# b\n');
    await holder.current();
    expect(holder.catalog()).not.toBe(first);
  });

  // Answers asked in one turn of the event loop share a look, which begins after all of them asked:
  // an edit made between two asks in the same turn is seen by the second (and the first).
  it('shares a look only among answers asked before it began', async () => {
    const clock = fakeClock('2025-06-01T12:00:00.000Z', 0);
    const holder = await createCatalogHolder({ dir, env: {}, initial: await loadCatalog(dir, {}), now: () => clock.now(), look: { marginMs: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 80));
    await holder.current();
    const first = holder.catalog();
    const before = holder.current();
    writeFileSync(path.join(dir, 'checks.yaml'), 'checks: []\n# edited in the same turn\n');
    const after = holder.current();
    await after;
    expect(holder.catalog()).not.toBe(first);
    await before;
  });
});

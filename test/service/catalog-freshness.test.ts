/**
 * How fresh the catalog a gate judges by is: without reuse every look compares the files (an edit is
 * judged at once); with `reuseMs` a look at most that old is trusted, so an edit is judged within
 * that bound; concurrent looks share reads, but never one that began before the edit they must see.
 */
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

  it('with reuseMs trusts a recent look, and judges an edit once the look is older than the bound', async () => {
    const { clock, holder } = await holderAt();
    const first = holder.catalog();
    await holder.current({ reuseMs: 1_000 });
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n# edited\n');
    clock.advance(500);
    await holder.current({ reuseMs: 1_000 });
    // Within the bound: the last look is trusted (the file watcher would have reloaded already).
    expect(holder.catalog()).toBe(first);
    clock.advance(600);
    await holder.current({ reuseMs: 1_000 });
    expect(holder.catalog()).not.toBe(first);
  });

  it('does not trust a look when the clock went backwards', async () => {
    const { clock, holder } = await holderAt();
    const first = holder.catalog();
    await holder.current({ reuseMs: 1_000 });
    await writeFile(path.join(dir, 'checks.yaml'), 'checks: []\n# edited\n');
    clock.set('2025-06-01T11:59:00.000Z');
    await holder.current({ reuseMs: 1_000 });
    expect(holder.catalog()).not.toBe(first);
  });
});

/** Each embedded database has an id of its own, kept across reopening, never taken from the template. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_ID_FILE, ensureEmbeddedId, readEmbeddedId } from '../../src/embedded/identity.js';
import { currentEmbeddedIdentity, openEmbedded } from '../../src/embedded/pglite.js';

// Builds a template in a cache of its own (initdb) before the first case.
describe('embedded database identities', { timeout: 180_000 }, () => {
  let work: string;
  let cacheDir: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'parity-embedded-id-'));
    cacheDir = path.join(work, 'cache');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('gives every new database its own id, keeps it on reopening, and leaves the template without one', async () => {
    const dataDir = path.join(work, 'data');
    const first = await openEmbedded(dataDir, 'one', { templateCacheDir: cacheDir });
    const second = await openEmbedded(dataDir, 'two', { templateCacheDir: cacheDir });
    const one = first.identity;
    const two = second.identity;
    await first.release();
    await second.release();
    expect(one.data_dir).toBe(path.resolve(dataDir));
    expect(one.embedded_id).not.toBe(two.embedded_id);
    expect(currentEmbeddedIdentity(dataDir, 'one')).toEqual(one);
    const again = await openEmbedded(dataDir, 'one', { templateCacheDir: cacheDir });
    try {
      expect(again.identity).toEqual(one);
    } finally {
      await again.release();
    }
    // Both were copied from one cached template, which holds no id to copy.
    const entries = readdirSync(cacheDir).filter((name) => !name.startsWith('.'));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(existsSync(path.join(cacheDir, entry, 'pgdata', EMBEDDED_ID_FILE))).toBe(false);
  });

  it('names no database that is not there, and a data directory by its resolved path', () => {
    expect(currentEmbeddedIdentity(path.join(work, 'nowhere'), 'app')).toBeNull();
    const relative = path.relative(process.cwd(), path.join(work, 'data'));
    expect(currentEmbeddedIdentity(relative, 'one')?.data_dir).toBe(path.join(work, 'data'));
  });

  it('keeps one id however many openers ensure it, and never takes a malformed file for one', () => {
    // A database directory with no id yet (made before ids, or by PGlite's own initdb).
    const db = mkdtempSync(path.join(work, 'db-'));
    const ids = [ensureEmbeddedId(db), ensureEmbeddedId(db), readEmbeddedId(db)];
    expect(new Set(ids).size).toBe(1);
    expect(readFileSync(path.join(db, EMBEDDED_ID_FILE), 'utf8')).toBe(`${ids[0]}\n`);
    expect(readdirSync(db)).toEqual([EMBEDDED_ID_FILE]);
    writeFileSync(path.join(db, EMBEDDED_ID_FILE), 'not an id\n');
    expect(readEmbeddedId(db)).toBeNull();
    expect(() => ensureEmbeddedId(db)).toThrow(/holds no embedded database id/);
  });

  it('in memory: a new id per database, known while it is open and gone after', async () => {
    const scope = `memory:identity-${process.pid}`;
    const a = await openEmbedded(scope, 'app');
    const shared = await openEmbedded(scope, 'app');
    expect(shared.identity).toEqual(a.identity);
    expect(currentEmbeddedIdentity(scope, 'app')).toEqual(a.identity);
    await shared.release();
    await a.release();
    expect(currentEmbeddedIdentity(scope, 'app')).toBeNull();
    const b = await openEmbedded(scope, 'app');
    try {
      expect(b.identity.embedded_id).not.toBe(a.identity.embedded_id);
    } finally {
      await b.release();
    }
  });
});

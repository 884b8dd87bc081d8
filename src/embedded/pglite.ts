/**
 * Opening embedded PGlite databases under the data directory. One lock per data directory per
 * process; databases are shared within the process (PGlite is single-connection) and closed when
 * their last user releases them. `memory:<scope>` keeps them in memory (tests, replay).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './lockfile.js';

const INT8_OID = 20;

/** Same shapes as postgres.js: int8 stays a string instead of a lossy JS number. */
export const pgliteParsers = { [INT8_OID]: (value: string) => value };

interface DataDirHandle { release: () => void; users: number; databases: Map<string, Promise<PGlite>> }
const handles = new Map<string, DataDirHandle>();

function isMemory(dataDir: string): boolean {
  return dataDir.startsWith('memory:');
}

/** Opens (or reuses) the PGlite database `name` under `dataDir`. */
export async function openEmbedded(dataDir: string, name: string): Promise<{ db: PGlite; release: () => Promise<void> }> {
  const key = isMemory(dataDir) ? dataDir : path.resolve(dataDir);
  let handle = handles.get(key);
  if (!handle) {
    handle = { release: isMemory(key) ? () => {} : lockDataDir(key), users: 0, databases: new Map() };
    handles.set(key, handle);
  }
  handle.users++;
  let opening = handle.databases.get(name);
  if (!opening) {
    // Assigned synchronously so concurrent callers share one instance; the WASM module itself is
    // loaded on first use, since it costs ~70 MB of RSS that a Postgres-only process never needs.
    opening = (async () => {
      const { PGlite } = await import('@electric-sql/pglite');
      if (isMemory(key)) return PGlite.create({ parsers: pgliteParsers });
      // PGlite creates only the last path segment, so the parent must exist on a fresh data dir.
      mkdirSync(path.join(key, 'pglite'), { recursive: true });
      return PGlite.create(path.join(key, 'pglite', name), { parsers: pgliteParsers });
    })();
    handle.databases.set(name, opening);
  }
  const owner = handle;
  let db: PGlite;
  try {
    db = await opening;
  } catch (error) {
    owner.databases.delete(name);
    owner.users--;
    throw error;
  }
  let released = false;
  return {
    db,
    async release() {
      if (released) return;
      released = true;
      owner.users--;
      if (owner.users > 0) return;
      handles.delete(key);
      for (const pending of owner.databases.values()) await (await pending).close();
      owner.release();
    },
  };
}

/**
 * Opening embedded PGlite databases under the data directory. One lock per data directory per
 * process; databases are shared within the process (PGlite is single-connection) and closed when
 * their last user releases them. `memory:<scope>` keeps them in memory (tests, replay).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { ensureEmbeddedId, readEmbeddedId, type EmbeddedIdentity } from './identity.js';
import { lockDataDir } from './lockfile.js';
import { createFromTemplate, defaultTemplateCacheDir, EMPTY_TEMPLATE, type DataDirTemplate } from './template.js';

const INT8_OID = 20;

/** Same shapes as postgres.js: int8 stays a string instead of a lossy JS number. */
export const pgliteParsers = { [INT8_OID]: (value: string) => value };

/**
 * Postgres settings of every embedded database, on top of PGlite's own start parameters. PGlite
 * allocates shared memory inside its WebAssembly memory, which never shrinks: the stock 128 MB of
 * shared_buffers alone was ~130 MB of a server's RSS, for a state store of a few MB whose files the
 * OS caches anyway. maintenance_work_mem bounds what one CREATE INDEX in a migration can grow that
 * memory by for good. Durability settings are PGlite's own and unchanged (docs/decisions.md).
 */
export const EMBEDDED_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: '16MB',
  maintenance_work_mem: '16MB',
};

/** PGlite's start parameters plus EMBEDDED_SETTINGS as `-c name=value`. */
export function embeddedStartParams(defaults: readonly string[]): string[] {
  return [...defaults, ...Object.entries(EMBEDDED_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}

interface DataDirHandle {
  release: () => void;
  users: number;
  databases: Map<string, Promise<{ db: PGlite; identity: EmbeddedIdentity }>>;
  /** In memory: each open database's identity (a new one per instance; nothing outlives the process). */
  memoryIds: Map<string, string>;
}
const handles = new Map<string, DataDirHandle>();

function isMemory(dataDir: string): boolean {
  return dataDir.startsWith('memory:');
}

/** The key a data directory is known by: resolved on disk, as written in memory. */
function dataDirKey(dataDir: string): string {
  return isMemory(dataDir) ? dataDir : path.resolve(dataDir);
}

/**
 * The identity of the embedded database `name` under `dataDir` as it is now, read without opening
 * it: the id file on disk (identity.ts), or the open instance in memory. Null when there is no such
 * database, or it has no id yet (never opened by a parity that makes them): then no evidence is
 * about it.
 */
export function currentEmbeddedIdentity(dataDir: string, name: string): EmbeddedIdentity | null {
  const key = dataDirKey(dataDir);
  const id = isMemory(key) ? handles.get(key)?.memoryIds.get(name) ?? null : readEmbeddedId(path.join(key, 'pglite', name));
  return id === null ? null : { embedded_id: id, data_dir: key };
}

export interface OpenEmbeddedOptions {
  /** What a new database starts as (default: an empty cluster); ignored in memory. */
  template?: DataDirTemplate | undefined;
  /** Where templates are cached (default: defaultTemplateCacheDir()). */
  templateCacheDir?: string | undefined;
}

/**
 * Opens (or reuses) the PGlite database `name` under `dataDir`. A new one on disk is copied from
 * its template (built once per machine) instead of running initdb; the first opener's options win.
 */
export async function openEmbedded(dataDir: string, name: string, options: OpenEmbeddedOptions = {}): Promise<{ db: PGlite; identity: EmbeddedIdentity; release: () => Promise<void> }> {
  const key = dataDirKey(dataDir);
  let handle = handles.get(key);
  if (!handle) {
    handle = { release: isMemory(key) ? () => {} : lockDataDir(key), users: 0, databases: new Map(), memoryIds: new Map() };
    handles.set(key, handle);
  }
  handle.users++;
  let opening = handle.databases.get(name);
  if (!opening) {
    const memoryIds = handle.memoryIds;
    // Assigned synchronously so concurrent callers share one instance; the WASM module itself is
    // loaded on first use, since it costs ~70 MB of RSS that a Postgres-only process never needs.
    opening = (async () => {
      const { PGlite } = await import('@electric-sql/pglite');
      const createOptions = { parsers: pgliteParsers, startParams: embeddedStartParams(PGlite.defaultStartParams) };
      if (isMemory(key)) {
        const db = await PGlite.create(createOptions);
        const id = randomUUID();
        memoryIds.set(name, id);
        return { db, identity: { embedded_id: id, data_dir: key } };
      }
      // PGlite creates only the last path segment, so the parent must exist on a fresh data dir.
      mkdirSync(path.join(key, 'pglite'), { recursive: true });
      const target = path.join(key, 'pglite', name);
      // A directory without PG_VERSION is left to PGlite as before (it may hold a half-made cluster).
      if (!existsSync(target)) {
        await createFromTemplate(target, options.templateCacheDir ?? defaultTemplateCacheDir(), options.template ?? EMPTY_TEMPLATE, {
          create: (dir) => PGlite.create(dir, createOptions),
        });
      }
      const db = await PGlite.create(target, createOptions);
      // After the open: a database PGlite made in place (no template) or one from before ids has none yet.
      try {
        return { db, identity: { embedded_id: ensureEmbeddedId(target), data_dir: key } };
      } catch (error) {
        await db.close();
        throw error;
      }
    })();
    handle.databases.set(name, opening);
  }
  const owner = handle;
  let opened: { db: PGlite; identity: EmbeddedIdentity };
  try {
    opened = await opening;
  } catch (error) {
    owner.databases.delete(name);
    owner.users--;
    throw error;
  }
  let released = false;
  return {
    db: opened.db,
    identity: opened.identity,
    async release() {
      if (released) return;
      released = true;
      owner.users--;
      if (owner.users > 0) return;
      handles.delete(key);
      for (const pending of owner.databases.values()) await (await pending).db.close();
      owner.release();
    },
  };
}

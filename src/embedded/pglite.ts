/**
 * Opening embedded PGlite databases under the data directory. One lock per data directory per
 * process; databases are shared within the process (PGlite is single-connection) and closed when
 * their last user releases them. `memory:<scope>` keeps them in memory (tests, replay).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
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

interface DataDirHandle { release: () => void; users: number; databases: Map<string, Promise<PGlite>> }
const handles = new Map<string, DataDirHandle>();

function isMemory(dataDir: string): boolean {
  return dataDir.startsWith('memory:');
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
export async function openEmbedded(dataDir: string, name: string, options: OpenEmbeddedOptions = {}): Promise<{ db: PGlite; release: () => Promise<void> }> {
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
      const createOptions = { parsers: pgliteParsers, startParams: embeddedStartParams(PGlite.defaultStartParams) };
      if (isMemory(key)) return PGlite.create(createOptions);
      // PGlite creates only the last path segment, so the parent must exist on a fresh data dir.
      mkdirSync(path.join(key, 'pglite'), { recursive: true });
      const target = path.join(key, 'pglite', name);
      // A directory without PG_VERSION is left to PGlite as before (it may hold a half-made cluster).
      if (!existsSync(target)) {
        await createFromTemplate(target, options.templateCacheDir ?? defaultTemplateCacheDir(), options.template ?? EMPTY_TEMPLATE, {
          create: (dir) => PGlite.create(dir, createOptions),
        });
      }
      return PGlite.create(target, createOptions);
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

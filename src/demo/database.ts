/** The demo's embedded database (`embedded:demo` under the data directory), opened for writing. */
import { openEmbedded } from '../embedded/pglite.js';
import type { SqlExecutor } from './seed.js';

/** Name of the embedded database; check files reach it as `url: embedded:demo`. */
export const DEMO_DATABASE = 'demo';

/** Opens the demo database with full privileges; `release` closes it (and the data-dir lock when last). */
export async function openDemoDatabase(dataDir: string): Promise<{ exec: SqlExecutor; release: () => Promise<void> }> {
  const { db, release } = await openEmbedded(dataDir, DEMO_DATABASE);
  return {
    exec: async (text) => (await db.exec(text)).at(-1)?.rows ?? [],
    release,
  };
}

/**
 * Which embedded database a test database is now, as a gate asks it: the lookup a gate service is
 * wired with (as the service wires it for its data directory), and the fields a hand-recorded
 * result needs to be about that database. Every embedded database names the same cluster to SQL,
 * so a result about an embedded source counts only with its id and data directory.
 */
import { currentEmbeddedIdentity } from '../../src/embedded/pglite.js';
import type { EmbeddedIdentity } from '../../src/embedded/identity.js';
import type { TestDatabase } from './databases.js';

/** The gate service's `embeddedIdentity` for the data directory `db` lives under. */
export function embeddedLookup(db: Pick<TestDatabase, 'dataDir'>): (name: string) => EmbeddedIdentity | null {
  return (name) => currentEmbeddedIdentity(db.dataDir, name);
}

/** `db`'s embedded identity, for a hand-recorded server identity; nothing on Postgres. */
export function embeddedServerOf(db: Pick<TestDatabase, 'dataDir' | 'url'>): Partial<EmbeddedIdentity> {
  if (!db.url.startsWith('embedded:')) return {};
  const now = currentEmbeddedIdentity(db.dataDir, db.url.slice('embedded:'.length));
  if (!now) throw new Error(`${db.url} under ${db.dataDir} is not open`);
  return now;
}

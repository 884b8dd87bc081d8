/**
 * One server per source for a whole run. A run records each source's identity once, but reads it
 * over many transactions and connections: a DNS re-point, a pooler or a failover in between would
 * mix two servers' rows under one recorded identity (a table_diff's early segments from one
 * database and its later ones from another, reported as a pass about the first). Every read of
 * the run's sources says which server answered (sources/pinning.ts SERVER_FINGERPRINT), and a
 * read that reached another server than the run's first read of that source is refused.
 */
import { Fault } from '../results/fault.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { ReadOptions, ServerWatch, Source } from '../sources/types.js';

/** The watch of one source: the first server seen is the run's; any other is a fault. */
export function createServerWatch(source: string): ServerWatch {
  let first: string | undefined;
  let guardPassed = false;
  const clearedRelations = new Set<string>();
  let databaseImplicitCode: 'none' | 'some' | undefined;
  return {
    databaseImplicitCode: () => databaseImplicitCode,
    setDatabaseImplicitCode(found) {
      databaseImplicitCode = found;
    },
    relationsCleared: (key) => clearedRelations.has(key),
    clearRelations(key) {
      clearedRelations.add(key);
    },
    needsStandInGuard: () => !guardPassed,
    standInGuardPassed() {
      guardPassed = true;
    },
    see(fingerprint) {
      if (fingerprint === '') {
        throw new Fault({ code: 'server_unknown', message: `source "${source}": the server did not say which cluster and database it is, so the run cannot tell that every read reached the same one` });
      }
      first ??= fingerprint;
      if (fingerprint !== first) {
        throw new Fault({
          code: 'server_changed_during_run',
          message: `source "${source}" reached another server during the run (cluster/database ${first}, then ${fingerprint}): a re-pointed address, a pooler or a failover; rows read from two servers prove nothing about either`,
        });
      }
    },
  };
}

/** Registries this module made (a copy spread from one, with its own `get`, is not one of them). */
const watchedRegistries = new WeakSet<SourceRegistry>();

/**
 * The registry a run reads through: each source's reads carry that source's watch. A registry
 * already watched is returned as it is, so a check executed inside a run shares the run's watch.
 */
export function watchingServers(sources: SourceRegistry): SourceRegistry {
  if (watchedRegistries.has(sources)) return sources;
  const watches = new Map<string, ServerWatch>();
  const watchOf = (name: string) => {
    let watch = watches.get(name);
    if (!watch) watches.set(name, (watch = createServerWatch(name)));
    return watch;
  };
  const watched = (name: string, source: Source): Source => {
    const withWatch = (options: ReadOptions): ReadOptions => ({ ...options, server: watchOf(name) });
    return {
      ...source,
      readOnly: (work, options) => source.readOnly(work, withWatch(options)),
      readFixed: (text, options) => source.readFixed(text, withWatch(options)),
      ping: () => source.ping(),
      close: () => source.close(),
    };
  };
  const registry: SourceRegistry = {
    get: async (name) => watched(name, await sources.get(name)),
    names: () => sources.names(),
    specOf: (name) => sources.specOf(name),
    closeAll: () => sources.closeAll(),
  };
  watchedRegistries.add(registry);
  return registry;
}

/** Opens the sources a catalog declares, lazily, and closes them together. */
import { openEmbedded } from '../embedded/pglite.js';
import { EMBEDDED_PREFIX, type SourceSpec } from '../checkfile/sources.js';
import { registerSecret } from '../logging/secrets.js';
import { secretsInUrl } from '../checkfile/sources.js';
import { createEmbeddedSource } from './embedded.js';
import { createPostgresSource } from './postgres.js';
import type { Source } from './types.js';
import type { ResolvedTarget } from '../checkfile/target.js';
import { reachKey } from '../checkfile/reach-key.js';

export interface SourceRegistry {
  /** The source by name, opened on first use. */
  get(name: string): Promise<Source>;
  names(): string[];
  specOf(name: string): SourceSpec | undefined;
  closeAll(): Promise<void>;
  /**
   * The registry this one stands for right now, where it stands for another that a reload can
   * replace (the service's view): a run reads through one registry from its first check to its
   * last, so every result of the run read the targets its definition hashes name. A wrapper
   * (tests, the bench) that spreads a registry must not pass this through, or runs bypass it.
   */
  pinned?(): SourceRegistry;
}

/** `dataDir` is where embedded sources live (`memory` in tests). */
export function createSourceRegistry(specs: Map<string, { spec: SourceSpec; identity?: string | ResolvedTarget }>, options: { dataDir: string }): SourceRegistry {
  const opened = new Map<string, Promise<Source>>();
  for (const { spec } of specs.values()) for (const secret of secretsInUrl(spec.url)) registerSecret(secret);
  return {
    get(name) {
      const existing = opened.get(name);
      if (existing) return existing;
      const entry = specs.get(name);
      if (!entry) return Promise.reject(new Error(`source "${name}" is not declared`));
      const spec = entry.spec;
      const made = spec.url.startsWith(EMBEDDED_PREFIX)
        ? openEmbedded(options.dataDir, spec.url.slice(EMBEDDED_PREFIX.length)).then(({ db, identity, release }) =>
          createEmbeddedSource(name, db, { description: spec.url, maxConnections: spec.max_connections, lockTimeoutMs: spec.lock_timeout, identity, release }))
        : Promise.resolve().then(() => createPostgresSource(name, spec, typeof entry.identity === 'object' ? entry.identity : undefined));
      // The key of where the catalog meant this name to reach travels with the source (and any wrapper spreading it).
      const reach = reachKey(entry.identity);
      const opening = (reach === undefined ? made : made.then((source): Source => ({ ...source, reach })));
      opening.catch(() => opened.delete(name));
      opened.set(name, opening);
      return opening;
    },
    names: () => [...specs.keys()],
    specOf: (name) => specs.get(name)?.spec,
    async closeAll() {
      const all = [...opened.values()];
      opened.clear();
      await Promise.allSettled(all.map(async (p) => (await p).close()));
    },
  };
}

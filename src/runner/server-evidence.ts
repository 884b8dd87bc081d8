/**
 * Per run, the identity of each source's server and its least-privilege preflight, read once per
 * source (a run's checks share it) and attached to every result that read that source.
 */
import type { ServerIdentity } from '../results/server-identity.js';
import { inspectSource } from '../sources/preflight.js';
import type { SourceRegistry } from '../sources/registry.js';

/** Looks up (once per source) what the server said about itself. */
export type ServerInspector = (source: string) => Promise<ServerIdentity>;

/** A memoising inspector for one run; a failed inspection is retried by the next check that asks. */
export function createServerInspector(sources: SourceRegistry): ServerInspector {
  const cache = new Map<string, Promise<ServerIdentity>>();
  return (name) => {
    let pending = cache.get(name);
    if (!pending) {
      // What the server said, and where the catalog meant the name to reach (the gate keys readings by it).
      pending = sources.get(name).then(async (source) => ({ ...(await inspectSource(source)), ...(source.reach === undefined ? {} : { target: source.reach }) }));
      pending.catch(() => cache.delete(name));
      cache.set(name, pending);
    }
    return pending;
  };
}

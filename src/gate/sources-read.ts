/**
 * Which sources a check reads, and which checks' results tell what server a source reaches now:
 * what the gate needs to judge evidence by the server it was about. Pure, over the catalog.
 */
import { kindOf, type CheckSpec } from '../catalog/registry.js';
import type { SourceWitness } from '../store/gates.js';
import { canonicalJson } from '../checkfile/hash.js';
import { serverReach } from '../checkfile/target.js';
import { reachKey } from '../checkfile/reach-key.js';
import { EMBEDDED_PREFIX } from '../checkfile/sources.js';
import type { EmbeddedIdentity } from '../embedded/identity.js';

/** The sources the check reads (deduplicated); undefined when the spec is not at hand or its kind is unknown. */
export function sourcesRead(spec: CheckSpec | undefined): string[] | undefined {
  if (!spec) return undefined;
  const kind = kindOf(spec.kind);
  return kind ? [...new Set(kind.sourcesOf(spec))] : undefined;
}

/** Anything that says where a source's URL resolves to (LoadedSource.identity); absent: only its own name is that source. */
export interface SourceTarget { identity?: unknown; spec?: { url?: string | undefined } }

/** The embedded database name a source's URL names (`embedded:NAME`), else undefined. */
export function embeddedNameOf(source: string, sources: ReadonlyMap<string, SourceTarget>): string | undefined {
  const url = sources.get(source)?.spec?.url;
  return url?.startsWith(EMBEDDED_PREFIX) ? url.slice(EMBEDDED_PREFIX.length) : undefined;
}

/**
 * For each embedded source the required checks read, the embedded database it reaches now, as
 * `lookup` finds it by name (null where none, or where there is no lookup: then no pass about an
 * embedded source counts).
 */
export function embeddedSourcesNow(requiredIds: readonly string[], checks: ReadonlyMap<string, { spec: CheckSpec }>, sources: ReadonlyMap<string, SourceTarget>, lookup: ((database: string) => EmbeddedIdentity | null) | undefined): Map<string, EmbeddedIdentity | null> {
  const now = new Map<string, EmbeddedIdentity | null>();
  for (const source of new Set(requiredIds.flatMap((id) => sourcesRead(checks.get(id)?.spec) ?? []))) {
    const database = embeddedNameOf(source, sources);
    if (database !== undefined) now.set(source, lookup?.(database) ?? null);
  }
  return now;
}

/**
 * The server a source name reaches, as one comparable text: two names whose URLs resolve to the
 * same hosts, ports, database and session attributes reach one server, whatever role or settings
 * each connects with, so a gate judges them as one source. A name the catalog does not declare is
 * only itself.
 */
export function targetKeyOf(source: string, sources: ReadonlyMap<string, SourceTarget>): string {
  // The role and startup parameters (search_path, options, custom settings) change what is read, not where.
  const identity = serverReach(sources.get(source)?.identity);
  return identity === undefined ? `name:${source}` : `target:${canonicalJson(identity)}`;
}

/** Every current check reading each target, computed once per catalog (gate answers come thousands a second). */
type Witnesses = Map<string, { readAs: string; checkId: string; hash: string }[]>;
const byTargetOf = new WeakMap<ReadonlyMap<string, unknown>, { sources: ReadonlyMap<string, SourceTarget>; byTarget: Witnesses }>();

function witnessesByTarget(checks: ReadonlyMap<string, { spec: CheckSpec; hash: string }>, sources: ReadonlyMap<string, SourceTarget>): Witnesses {
  const cached = byTargetOf.get(checks);
  if (cached?.sources === sources) return cached.byTarget;
  const byTarget: Witnesses = new Map();
  for (const check of checks.values()) {
    for (const source of sourcesRead(check.spec) ?? []) {
      const key = targetKeyOf(source, sources);
      const list = byTarget.get(key) ?? [];
      list.push({ readAs: source, checkId: check.spec.id, hash: check.hash });
      byTarget.set(key, list);
    }
  }
  byTargetOf.set(checks, { sources, byTarget });
  return byTarget;
}

/**
 * For each source the required checks read, every current check reading it (with its current
 * hash) under any name for the same target, and the key of where the source's URL reaches now
 * (`target`): any of their results, and any result that recorded reading that key, may show the
 * source re-pointed since a judged pass read it. `sources` must be the catalog the checks came from.
 */
export function sourceWitnesses(requiredIds: readonly string[], checks: ReadonlyMap<string, { spec: CheckSpec; hash: string }>, sources: ReadonlyMap<string, SourceTarget> = new Map()): SourceWitness[] {
  const wanted = new Set(requiredIds.flatMap((id) => sourcesRead(checks.get(id)?.spec) ?? []));
  const byTarget = witnessesByTarget(checks, sources);
  return [...wanted].sort().flatMap((source) => {
    const target = reachKey(sources.get(source)?.identity);
    return (byTarget.get(targetKeyOf(source, sources)) ?? []).map((w) => ({ source, ...w, ...(target === undefined ? {} : { target }) }));
  });
}

/**
 * Which sources a check reads, and which checks' results tell what server a source reaches now:
 * what the gate needs to judge evidence by the server it was about. Pure, over the catalog.
 */
import { kindOf, type CheckSpec } from '../catalog/registry.js';
import type { SourceWitness } from '../store/gates.js';

/** The sources the check reads (deduplicated); undefined when the spec is not at hand or its kind is unknown. */
export function sourcesRead(spec: CheckSpec | undefined): string[] | undefined {
  if (!spec) return undefined;
  const kind = kindOf(spec.kind);
  return kind ? [...new Set(kind.sourcesOf(spec))] : undefined;
}

/** Every current check reading each source, computed once per catalog (gate answers come thousands a second). */
const bySourceOf = new WeakMap<ReadonlyMap<string, unknown>, Map<string, SourceWitness[]>>();

function witnessesBySource(checks: ReadonlyMap<string, { spec: CheckSpec; hash: string }>): Map<string, SourceWitness[]> {
  let bySource = bySourceOf.get(checks);
  if (!bySource) {
    bySource = new Map();
    for (const check of checks.values()) {
      for (const source of sourcesRead(check.spec) ?? []) {
        const list = bySource.get(source) ?? [];
        list.push({ source, checkId: check.spec.id, hash: check.hash });
        bySource.set(source, list);
      }
    }
    bySourceOf.set(checks, bySource);
  }
  return bySource;
}

/**
 * For each source the required checks read, every current check reading it (with its current
 * hash): any of their results may show the source re-pointed since a judged pass read it.
 */
export function sourceWitnesses(requiredIds: readonly string[], checks: ReadonlyMap<string, { spec: CheckSpec; hash: string }>): SourceWitness[] {
  const wanted = new Set(requiredIds.flatMap((id) => sourcesRead(checks.get(id)?.spec) ?? []));
  const bySource = witnessesBySource(checks);
  return [...wanted].sort().flatMap((source) => bySource.get(source) ?? []);
}

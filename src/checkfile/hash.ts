/** The definition hash: a result only counts for the exact check definition that produced it. */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * Hashes the parsed check spec together with the identity of each source it reads (the resolved
 * target: hosts, ports, database, user; never a password): pointing a check at another database
 * is a changed definition, so old passes stop counting. The version of parity that judges is part
 * of the definition too: a pass an older parity recorded was judged by older code (perhaps one
 * with a since-fixed wrong pass), and its checkpoints were counted by it, so neither outlives an
 * upgrade or a downgrade.
 */
export function definitionHash(spec: unknown, sourceIdentities: Record<string, unknown>, parityVersion: string): string {
  return createHash('sha256').update(canonicalJson({ spec, sources: sourceIdentities, parity: parityVersion })).digest('hex').slice(0, 32);
}

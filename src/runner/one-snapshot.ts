/**
 * Which sources one transaction can read together. A snapshot belongs to one transaction on one
 * connection: sources one connection reaches alike (the same source, or sources whose whole
 * configuration is equal — the same url and the same settings) can be read in one snapshot; any
 * other pair may be two databases, or two servers of one, and is read in two.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SourceRegistry } from '../sources/registry.js';

/** Whether one connection of the first source reads every one of `names` as its own source would (one snapshot possible). */
export function oneConnectionServes(sources: Pick<SourceRegistry, 'specOf'>, names: readonly string[]): boolean {
  const [first, ...rest] = names;
  if (first === undefined) return false;
  const spec = sources.specOf(first);
  // An undeclared source is alike to nothing (two unknowns are not one database).
  return rest.every((name) => name === first || (spec !== undefined && isDeepStrictEqual(sources.specOf(name), spec)));
}

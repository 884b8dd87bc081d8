/** The old shape as found in the catalog: each listed table or column, with every relation that carries it. */

/** A relation by schema and name, as the catalog spells them. */
export interface RelationName {
  readonly schema: string;
  readonly name: string;
}

/** One listed column or table, resolved: the relation itself plus its partitions and inheritance children. */
export interface ShapeTarget {
  /** How results name it: `public.users.full_name` or `public.users_legacy`. */
  readonly label: string;
  /** The listed relation first, then its descendants (a query on a partition reads the column too). */
  readonly relations: readonly RelationName[];
  /** The listed column; undefined for a whole table. */
  readonly column?: string | undefined;
}

/** True when `word` appears in `text` as a whole identifier-like word, ignoring case. */
export function mentionsWord(text: string, word: string): boolean {
  const escaped = word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^a-z0-9_$])${escaped}($|[^a-z0-9_$])`, 'u').test(text.toLowerCase());
}

/** True when text may name one of the target's relations: by word, or through a Unicode-escaped identifier (`U&"\0075sers"`) no word match can see. */
export function mayMention(text: string, target: ShapeTarget): boolean {
  return /u&["']/i.test(text) || target.relations.some((relation) => mentionsWord(text, relation.name));
}

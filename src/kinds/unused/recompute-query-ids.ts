/**
 * Recomputes pg_stat_statements entries' query ids from their texts against today's catalog. An
 * entry keeps the text of its first call while its query id hashes relation oids and column
 * numbers, so after a rename — a swap of names above all, which leaves every name the old text
 * spells existing — the text may name another table or column than the calls it counts. Parsed
 * today (as its role would resolve it, in some way its client may have bound it), a text whose
 * query id equals the entry's means what its calls meant; one none of whose variants does cannot
 * show what they read.
 */
import type { ParsedStatement, StatementParser } from '../../sources/types.js';
import { placeholdersOf, queryIdVariants } from './query-id-variants.js';

/** One entry to recompute: its key, query id, text and the search_path its role resolves names with. */
export interface TextToRecompute { key: string; queryId: string; text: string; searchPath: string }

/** What recomputing one entry found. */
export type Recomputed =
  | { kind: 'reproduced'; variant: string }
  | { kind: 'not_reproduced'; tried: number; refused: string | undefined }
  | { kind: 'undecided'; why: string };

/** How far the search may go: variants per text, parses per run, and a deadline (checked before each parse). */
export interface RecomputeBounds { variantsPerText: number; parses: number; pastDeadline: () => boolean }

/** Recomputes each text's query id; texts left when a bound is reached are undecided. */
export async function recomputeQueryIds(parser: StatementParser, texts: readonly TextToRecompute[], bounds: RecomputeBounds): Promise<Map<string, Recomputed>> {
  const found = new Map<string, Recomputed>();
  let parses = 0;
  let path: string | undefined;
  const parse = async (text: string, types: readonly number[]): Promise<ParsedStatement | undefined> => {
    if (parses >= bounds.parses) return undefined;
    if (bounds.pastDeadline()) return undefined;
    parses++;
    return parser.queryIdOf(text, types);
  };
  // Grouped by search_path: one set_config per role, not per text.
  for (const entry of [...texts].sort((a, b) => (a.searchPath < b.searchPath ? -1 : a.searchPath > b.searchPath ? 1 : 0))) {
    if (path !== entry.searchPath) {
      path = entry.searchPath;
      await parser.searchPath(path);
    }
    const placeholders = placeholdersOf(entry.text);
    let refused: string | undefined;
    let tried = 0;
    let answer: Recomputed | undefined;
    // The all-parameter parse first: it reproduces most extended-protocol texts, and tells the
    // types the server infers for each placeholder, which order the variants after it.
    let inferred: number[] | undefined;
    if (placeholders.count > 0) {
      const first = await parse(entry.text, []);
      if (!first) answer = { kind: 'undecided', why: `the bound of ${bounds.parses} parses per run or the time allowed was reached` };
      else {
        tried++;
        if (first.kind === 'parsed') {
          inferred = first.parameterTypes;
          if (first.queryId === entry.queryId) answer = { kind: 'reproduced', variant: 'parameters, types inferred' };
        } else refused = first.message;
      }
    }
    if (!answer) {
      for (const variant of queryIdVariants(entry.text, placeholders, inferred)) {
        // The all-undeclared variant was the first parse.
        if (placeholders.count > 0 && variant.types.length === placeholders.count && variant.types.every((t) => t === 0)) continue;
        if (tried >= bounds.variantsPerText) break;
        const parsed = await parse(variant.text, variant.types);
        if (!parsed) {
          answer = { kind: 'undecided', why: `the bound of ${bounds.parses} parses per run or the time allowed was reached after ${tried} ways` };
          break;
        }
        tried++;
        if (parsed.kind === 'rejected') refused ??= parsed.message;
        else if (parsed.queryId !== null && parsed.queryId === entry.queryId) {
          answer = { kind: 'reproduced', variant: variant.label };
          break;
        }
      }
    }
    found.set(entry.key, answer ?? { kind: 'not_reproduced', tried, refused });
  }
  return found;
}

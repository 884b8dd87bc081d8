/**
 * Judges the pending entries of `unused` — plannable texts that resolved to no use of the shape and
 * name only relations and columns that exist today — once the baseline is known. A swap of names
 * (`full_name` → `full_name_old`, `full_name_new` → `full_name`; tables; schemas; SET SCHEMA) leaves
 * every name such a text spells existing, while its entry goes on counting the old oids and column
 * numbers: reads of the renamed shape look like reads of something else. Each pending entry called
 * in the window has its query id recomputed from its text against today's catalog
 * (recompute-query-ids.ts); one that no variant reproduces is opaque. Where the source cannot parse
 * on a second connection, the renames pg_stat_statements recorded decide instead (recorded-renames.ts).
 */
import { Fault } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';
import { planRoleSearchPaths } from './plan-stats.js';
import { recomputeQueryIds, type Recomputed, type TextToRecompute } from './recompute-query-ids.js';
import type { SnapshotCounters } from './counters.js';
import type { UnusedSpec } from './spec.js';
import type { OpaqueEntry } from './verdict.js';

/** An unmatched plannable entry whose text is judged by its recomputed query id (or, where that cannot run, by recorded renames). */
export interface PendingText {
  key: string; userid: string; queryId: string; role: string; query: string; calls: number;
  /** The text names a relation of the shape (by today's names): looked at first. */
  namesShape: boolean;
  /** Why a recorded rename makes the text suspect, if one does: the rule where recomputing cannot run. */
  swapped: string | undefined;
}

/** Bounds of one run's recomputation: variants tried per text, parses in all, and time. */
export const RECOMPUTE_BOUNDS = { variantsPerText: 64, parses: 2000, ms: 60_000 } as const;

/** What the search found, as the reason an opaque entry gives. */
function reasonOf(result: Recomputed, path: string): string | undefined {
  if (result.kind === 'reproduced') return undefined;
  if (result.kind === 'undecided') return `parity could not recompute its query id within its bounds (${result.why}), so whether the text still names what its calls read (a table, column or schema may have been renamed or swapped since it was first recorded) is unknown`;
  const refused = result.refused ? `; the server refused a parse: ${result.refused.slice(0, 200)}${/permission denied for schema/i.test(result.refused) ? ' (grant parity\'s role USAGE on that schema)' : ''}` : '';
  return `its text, parsed today with search_path ${path} in ${result.tried} ways of binding its parameters, gives no query id equal to the entry's: it no longer names what its calls read (a table, column or schema renamed or swapped since it was first recorded — even if no rename is recorded), or its client ran it with a search_path or parameter types parity did not try${refused}`;
}

/** The role's search_path with `$user` spelled as that role (parity parses as itself). */
export function searchPathFor(role: string, path: string): string {
  const quoted = `"${role.replace(/"/g, '""')}"`;
  return path.split(',').map((part) => part.trim()).map((part) => (part === '"$user"' || part === '$user' ? quoted : part)).join(', ');
}

/**
 * Opaque entries among the pending ones: those called since the baseline (or opaque at it) whose
 * query id no variant of their text reproduces, or that the bounds left undecided. Without a
 * baseline nothing is judged: no result can pass then, and entries are judged when one exists.
 */
export async function judgePendingTexts(spec: UnusedSpec, ctx: ExecutionContext, pending: readonly PendingText[], baseline: SnapshotCounters | undefined): Promise<(OpaqueEntry & { calls: number })[]> {
  if (!baseline) return [];
  const called = pending.filter((p) => baseline.checked?.[p.key] !== p.calls || baseline.opaque?.[p.key] !== undefined);
  if (called.length === 0) return [];
  const opaque = (p: PendingText, reason: string) => ({ key: p.key, role: p.role, query: p.query, calls: p.calls, code: 'statement_text_stale' as const, reason });
  if (!ctx.withStatementParser) return called.flatMap((p) => (p.swapped ? [opaque(p, p.swapped)] : []));
  const paths = new Map((await ctx.query<{ userid: string; role: string; search_path: string }>(spec.source, planRoleSearchPaths([...new Set(called.map((p) => p.userid))])))
    .map((r) => [r.userid, searchPathFor(r.role, r.search_path)]));
  // Texts naming the shape first: when a bound is reached, the rest are undecided, never passed.
  const texts: (TextToRecompute & { entry: PendingText })[] = [...called].sort((a, b) => Number(b.namesShape) - Number(a.namesShape) || b.calls - a.calls)
    .map((p) => ({ key: p.key, queryId: p.queryId, text: p.query, searchPath: paths.get(p.userid) ?? '"$user", public', entry: p }));
  const deadline = ctx.now().getTime() + RECOMPUTE_BOUNDS.ms;
  let results: Map<string, Recomputed>;
  try {
    results = await ctx.withStatementParser(spec.source, (parser) => recomputeQueryIds(parser, texts, {
      variantsPerText: RECOMPUTE_BOUNDS.variantsPerText, parses: RECOMPUTE_BOUNDS.parses, pastDeadline: () => ctx.now().getTime() > deadline,
    }));
  } catch (error) {
    if (ctx.signal.aborted || !(error instanceof Fault)) throw error;
    // A source that cannot parse on a second connection keeps the recorded-renames rule.
    if (error.code === 'cannot_parse_statements') return called.flatMap((p) => (p.swapped ? [opaque(p, p.swapped)] : []));
    return called.map((p) => opaque(p, `parity could not recompute its query id (${error.message}), so whether its text still names what its calls read is unknown`));
  }
  return texts.flatMap((t) => {
    const reason = reasonOf(results.get(t.key) ?? { kind: 'undecided', why: 'not reached' }, t.searchPath);
    return reason ? [opaque(t.entry, reason)] : [];
  });
}

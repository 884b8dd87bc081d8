/**
 * Incremental verification (`incremental:` on a count check). A full pass verifies every row and
 * records a watermark; each later pass verifies only rows whose column is at or after (the previous
 * pass's watermark − overlap). The chain of passes since the last full pass is the evidence: it
 * covers every row only if every link passed under the same definition and each link's lower bound
 * is at or before the previous link's watermark. Anything else — a failing or erroring link, a
 * changed definition, a gap, a pass whose watermark is unknown, a full pass older than full_every —
 * makes the next run a full pass. Pure: the store and the verified server supply the facts.
 *
 * The watermark is the verified server's now() read just before the pass's first read, never
 * parity's clock and never max(column) of the rows read: a chunked pass takes a fresh snapshot per
 * chunk, so max(column) can come from a row written late in the pass, above writes to key ranges
 * the pass had already read. With now() at the start, every write committed before the start is
 * seen by the pass, and a write committed after it carries the now() of its own transaction, which
 * is at or after the watermark unless that transaction began before it — `overlap` must exceed the
 * longest write transaction (and, under trust_column, any skew of the clock that sets the column).
 *
 * Two more things must hold for the rows a chain skipped to be the rows it verified. The verified
 * server's clock never went back (a write stamped after a step back carries a time before the last
 * watermark, so the next lower bound passes over it): every watermark is at or after the one before.
 * And no row changed without a stamped write: DDL does that (an attached partition, a column added
 * again, a type rewritten, a trigger disabled for a while), and every such change writes a catalog
 * row of the table's hierarchy, so each link must have read the same catalog version
 * (introspect/table-state.ts) as the pass being planned — and, through the pass's own second
 * reading, the same version at its end as at its start.
 */
import { sameServer, type ServerIdentity } from '../results/server-identity.js';
import { predicateSql, sql, tableSql, type SQL } from '../sql/build.js';
import type { TableRef } from '../sql/identifiers.js';
import type { IncrementalSpec } from '../checkfile/incremental.js';
import type { Outcome } from '../results/outcome.js';
import { coverageText, type Coverage } from '../results/read-evidence.js';

/** What a result records about its pass (observations.incremental). */
export type IncrementalMark = {
  mode: 'full' | 'incremental';
  column: string;
  /** The verified server's now() before the pass read anything; null when unknown (a resumed scan). */
  watermark: string | null;
  /** Incremental passes: rows with column ≥ this were read. */
  lower_bound: string | null;
  /** The catalog version of the table's hierarchy when the pass began (absent in results recorded before it was kept). */
  table_state?: string | null;
  /** Why no watermark can be vouched for (a prepared transaction, a standby that replayed nothing): recorded as null. */
  watermark_unknown?: string;
  /** What the watermark assumes about open transactions parity could not see. */
  watermark_assumption?: string;
  /** Why this pass was full (first pass, broken chain, full_every …). */
  full_reason?: string;
  /** The column's upkeep as the catalog shows it, or the operator's trust_column assumption. */
  maintained_by: string;
  trusted_column: boolean;
};

/** The chain a result closes (observations.coverage); its shape is shared with the views. */
export type { Coverage };

/** One earlier result of the check, newest first, back to the newest full pass. */
export interface ChainLink {
  resultId: string;
  status: string;
  definitionHash: string;
  incremental: IncrementalMark | null;
  coverage: Coverage | null;
  /** The server each source was when the link read it (absent in plans made without a store). */
  servers?: Record<string, Partial<ServerIdentity>> | undefined;
}

export type PassPlan =
  | { mode: 'full'; reason: string }
  | { mode: 'incremental'; lowerBound: Date; fullPassAt: string; previousPasses: number };

/** Full or incremental, and from where (pure). `chain` is newest first and ends at the newest full pass, if any. */
export function planPass(settings: IncrementalSpec, hash: string, chain: readonly ChainLink[], serverNow: Date, servers?: Record<string, ServerIdentity>, tableState?: string | null): PassPlan {
  const full = (reason: string): PassPlan => ({ mode: 'full', reason });
  if (chain.length === 0) return full('no full pass recorded under this definition yet');
  const oldest = chain[chain.length - 1]!;
  if (oldest.incremental?.mode !== 'full') return full('no full pass recorded under this definition yet');
  let previousWatermark: string | null = null;
  for (const link of [...chain].reverse()) {
    if (link.definitionHash !== hash) return full(`result ${link.resultId} ran under another definition`);
    if (link.status !== 'pass') return full(`result ${link.resultId} was ${link.status}: a link that did not pass breaks the chain`);
    // Rows unchanged since the full pass were read only there: a link read elsewhere (the URL
    // re-pointed since) leaves them unread on the server this pass reads.
    for (const [source, now] of Object.entries(servers ?? {})) {
      const then = link.servers?.[source];
      if (!then || !sameServer(then, now)) return full(`result ${link.resultId} read source "${source}" as another server than this pass reads`);
    }
    const mark = link.incremental;
    if (!mark || mark.watermark === null) return full(`result ${link.resultId} recorded no watermark (resumed, the table's catalog changed while it read, or not an incremental-mode run)`);
    // DDL changes rows without a stamped write (an attached partition, a column added again, a
    // type rewritten, writes while a trigger was disabled): a link read under another catalog
    // version of the hierarchy vouches for rows that may no longer be what it read.
    if (tableState !== undefined && (tableState === null || mark.table_state !== tableState)) {
      return full(`result ${link.resultId} read the table under another catalog version (DDL since: a partition attached or created, a column, default, type or trigger changed, a trigger disabled for a while): rows may have changed without a stamped write`);
    }
    if (mark.mode === 'incremental' && (mark.lower_bound === null || previousWatermark === null || Date.parse(mark.lower_bound) > Date.parse(previousWatermark))) {
      return full(`result ${link.resultId} began reading after the previous watermark: a gap`);
    }
    if (previousWatermark !== null && Date.parse(mark.watermark) < Date.parse(previousWatermark)) {
      return full(`result ${link.resultId} recorded a watermark before the previous one: the verified server's clock went back`);
    }
    previousWatermark = mark.watermark;
  }
  const fullAt = oldest.incremental.watermark!;
  if (serverNow.getTime() - Date.parse(fullAt) > settings.full_every) return full(`the last full pass (${fullAt}) is older than full_every`);
  const newest = chain[0]!.incremental!;
  // A clock stepped back stamps writes before the newest watermark, where the next lower bound would pass over them.
  if (serverNow.getTime() < Date.parse(newest.watermark!)) {
    return full(`the verified server's clock (${serverNow.toISOString()}) reads earlier than the last watermark (${newest.watermark}): it went back, and writes stamped since may lie before the lower bound`);
  }
  return { mode: 'incremental', lowerBound: new Date(Date.parse(newest.watermark!) - settings.overlap), fullPassAt: fullAt, previousPasses: chain.length - 1 };
}

/** What the pass records and says: its mark, its coverage, and the limits of incremental evidence. */
export function incrementalOutcome(outcome: Outcome, plan: PassPlan, mark: IncrementalMark, resumed: boolean, catalogChanged = false): Outcome {
  // A resumed scan read its first chunks before this watermark; a pass during which DDL ran read
  // the table under two catalog versions. Neither can vouch for the rows a next pass would skip.
  const watermark = resumed || catalogChanged || mark.watermark_unknown !== undefined ? null : mark.watermark;
  const recorded: IncrementalMark = { ...mark, watermark };
  const unbroken = outcome.status === 'pass' && watermark !== null;
  const coverage: Coverage = plan.mode === 'full'
    ? { full_pass_at: mark.watermark!, incremental_passes: 0, unbroken, last_at: watermark }
    : { full_pass_at: plan.fullPassAt, incremental_passes: plan.previousPasses + 1, unbroken, last_at: watermark };
  const notes = [
    plan.mode === 'full'
      ? `full pass (${plan.reason})`
      : `incremental: rows with ${mark.column} >= ${mark.lower_bound}; a write that sets ${mark.column} to an older value is caught only by the next full pass; deleted rows cannot add offending rows, so they need no re-reading`,
    ...(catalogChanged ? [`the catalog of the table's hierarchy changed while the pass read (DDL): the next run is a full pass`] : []),
    ...(mark.watermark_unknown !== undefined ? [`no watermark: ${mark.watermark_unknown}; the next run is a full pass`] : []),
    ...(mark.watermark_assumption !== undefined ? [mark.watermark_assumption] : []),
    `coverage: ${coverageText(coverage)}`,
    ...(mark.trusted_column ? [`assumes ${mark.column} is set on every write (trust_column: true; ${mark.maintained_by})`] : []),
  ];
  return {
    ...outcome,
    summary: `${outcome.summary} (${notes.join('; ')})`,
    observations: {
      ...outcome.observations,
      incremental: { ...recorded, ...(mark.trusted_column ? { assumption: `${mark.column} is set on every write (trust_column: true)` } : {}) },
      coverage,
    },
  };
}

/**
 * Whether the scope an incremental pass stands for still holds `minRows` rows: at most that many
 * are read (the scope's own index or the first pages serve it). An incremental pass reads only
 * changed rows, so a table emptied by DELETE (no stamp, no DDL) would otherwise pass link after link.
 */
export function planScopeFloor(table: TableRef, where: string | undefined, minRows: number): SQL {
  return sql`select count(*) as n from (select 1 from ${tableSql(table)} where ${predicateSql(where)} limit ${minRows}) as scope`;
}

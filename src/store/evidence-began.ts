/**
 * When a result's evidence began: the one definition the gate (which result is judged, which
 * non-pass opposes it) and retention (what a gate answer still rests on) must share. If they
 * disagree, retention deletes a result the gate would have judged or been denied by.
 */
import { sql, type SQL } from 'drizzle-orm';

/** The columns of one check_results row reference (the table itself or an alias of it). */
export interface ResultColumns { readAt: unknown; startedAt: unknown; observations: unknown }

/**
 * read_at, or (never read: waiting, or a fault before reading) the row's start; for a chunked scan
 * resumed from an interrupted run, when that run began its chunks (its counts are this evidence).
 */
export function evidenceBegan(r: ResultColumns): SQL {
  return sql`least(coalesce(${r.readAt}, ${r.startedAt}), ${resumedSince(r)})`;
}

/** When the interrupted run a resumed scan continued began its chunks; NULL for any other result. */
export function resumedSince(r: ResultColumns): SQL {
  return sql`(${r.observations}->'resumed_from'->>'since')::timestamptz`;
}

/** The columns of a check_results alias in raw SQL ("r"."read_at", …). */
export function aliasColumns(alias: string): ResultColumns {
  const column = (name: string) => sql.raw(`"${alias}"."${name}"`);
  return { readAt: column('read_at'), startedAt: column('started_at'), observations: column('observations') };
}

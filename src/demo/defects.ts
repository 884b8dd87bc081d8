/**
 * The demo's deliberate defects: a handful of rows broken the way real backfills and dual writes
 * break them, each at a documented id so the checks' samples can be matched against this list.
 * Pure: SQL text to inject them and to repair exactly them.
 */
import { DEMO_ROWS, backfillColumnsSql, backfillUsersSql } from './dataset.js';

export type DefectKind = 'last_name_null' | 'surname_truncated' | 'missing_in_users' | 'orphan_in_users';

export interface Defect {
  id: number;
  kind: DefectKind;
  /** What went wrong, in the words of the incident review. */
  description: string;
  /** The demo checks that report this row (by key) while it is broken. */
  reportedBy: string[];
}

/** The id of the row only users has: beyond every legacy id. */
export const ORPHAN_ID = DEMO_ROWS + 1;

export const DEFECTS: readonly Defect[] = [
  { id: 314, kind: 'last_name_null', description: 'backfill batch crashed after writing first_name; last_name left NULL', reportedBy: ['users-name-backfilled', 'users-name-parity', 'users-name-matches-legacy'] },
  { id: 2718, kind: 'last_name_null', description: 'same crashed batch; last_name left NULL', reportedBy: ['users-name-backfilled', 'users-name-parity', 'users-name-matches-legacy'] },
  { id: 16180, kind: 'last_name_null', description: 'same crashed batch; last_name left NULL', reportedBy: ['users-name-backfilled', 'users-name-parity', 'users-name-matches-legacy'] },
  { id: 1001, kind: 'surname_truncated', description: "an early backfill used split_part(full_name, ' ', 2): 'de la Cruz' became 'de'", reportedBy: ['users-name-parity', 'users-name-matches-legacy'] },
  { id: 2024, kind: 'surname_truncated', description: "same early backfill: 'van der Berg' became 'van'", reportedBy: ['users-name-parity', 'users-name-matches-legacy'] },
  { id: 4242, kind: 'missing_in_users', description: 'the dual write failed silently for this insert; the row never reached users', reportedBy: ['users-row-count', 'users-name-matches-legacy'] },
  { id: 65536, kind: 'missing_in_users', description: 'skipped at a backfill batch boundary (off-by-one on id > last_id)', reportedBy: ['users-row-count', 'users-name-matches-legacy'] },
  { id: ORPHAN_ID, kind: 'orphan_in_users', description: 'a test signup written to users only; users_legacy never had it', reportedBy: ['users-row-count', 'users-no-orphans', 'users-name-matches-legacy'] },
];

const idsOf = (kind: DefectKind) => DEFECTS.filter((d) => d.kind === kind).map((d) => d.id).join(', ');

/** Breaks the correctly backfilled users table in exactly the ways DEFECTS lists. */
export function injectDefectsSql(): string {
  return `
update public.users set last_name = null where id in (${idsOf('last_name_null')});
update public.users set last_name = split_part(last_name, ' ', 1) where id in (${idsOf('surname_truncated')});
delete from public.users where id in (${idsOf('missing_in_users')});
insert into public.users (id, full_name, first_name, last_name, email, created_at, updated_at)
values (${ORPHAN_ID}, 'Test Signup', 'Test', 'Signup', 'qa+signup@example.com', timestamptz '2024-06-01 12:00:00+00', timestamptz '2024-06-01 12:00:00+00');`;
}

/**
 * Fixes exactly the rows in DEFECTS and nothing else: re-runs the backfill for the broken ids,
 * copies the missing rows, deletes the orphan. Safe to run twice.
 */
export function repairDefectsSql(): string {
  const { first, last } = backfillColumnsSql('l.full_name');
  const rebackfilled = [idsOf('last_name_null'), idsOf('surname_truncated')].join(', ');
  return `
update public.users u set first_name = ${first}, last_name = ${last}
  from public.users_legacy l where l.id = u.id and u.id in (${rebackfilled});
${backfillUsersSql(`l.id in (${idsOf('missing_in_users')}) and not exists (select 1 from public.users u where u.id = l.id)`)};
delete from public.users where id = ${ORPHAN_ID};`;
}

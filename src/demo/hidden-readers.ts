/**
 * The demo's hidden readers of the old shape: the things that break a week after a contract step
 * drops `users.full_name` and `users_legacy`. Nobody remembers them, no data check sees them, and
 * the `unused` check names each one until `--repair` removes them. Pure: SQL text only.
 */

export interface HiddenReader {
  /** The catalog object, as the `unused` check names it. */
  object: string;
  /** The old shape it still reads. */
  target: string;
  /** What it is, in the words of the incident review. */
  description: string;
  /** The demo check that reports it while it exists. */
  reportedBy: string;
}

/** The check in checks/demo-users.yaml that finds them. */
export const UNUSED_CHECK_ID = 'users-old-shape-unused';

export const HIDDEN_READERS: readonly HiddenReader[] = [
  { object: 'view user_directory', target: 'public.users.full_name', description: 'the reporting view behind the BI dashboard; still selects full_name', reportedBy: UNUSED_CHECK_ID },
  { object: 'function nightly_user_export()', target: 'public.users_legacy', description: 'the nightly CSV export query, saved as a SQL function; still reads users_legacy', reportedBy: UNUSED_CHECK_ID },
];

/** Creates the hidden readers (after the tables exist). */
export function plantHiddenReadersSql(): string {
  return `
create view public.user_directory as
  select id, full_name, email from public.users;
comment on view public.user_directory is 'parity demo: a hidden reader of users.full_name (a reporting view)';
create function public.nightly_user_export() returns table (id bigint, full_name text, email text)
  language sql stable as $$ select l.id, l.full_name, l.email from public.users_legacy l order by l.id $$;
comment on function public.nightly_user_export() is 'parity demo: a hidden reader of users_legacy (the recorded export query)';`;
}

/** Removes them, as the team would once it found them (the view reads first_name/last_name instead; the export moved). Safe to run twice. */
export function removeHiddenReadersSql(): string {
  return `
drop view if exists public.user_directory;
drop function if exists public.nightly_user_export();`;
}

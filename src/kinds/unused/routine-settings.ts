/**
 * Routines whose own settings stop the statements they run from being counted (pure: SQL and the
 * gaps it implies). `create function … set pg_stat_statements.track = top` (or `none`, or
 * `compute_query_id = off`, `pg_stat_statements.track_utility = off`) applies while the routine
 * runs: at `track = all` its nested statements — a generic export function's EXECUTE — are then
 * never counted, and the server, role and database settings parity reads all still say `all`.
 * `track_counts = off` there hides the routine's table writes whatever `track` says. A body that
 * sets one of them itself (`set local …`, `set_config(…)`) is the same.
 */
import { sql, type SQL } from '../../sql/build.js';
import { arrayLiteralText } from '../../sql/array-literal.js';
import type { FaultInfo } from '../../results/fault.js';

/** Settings that decide whether a statement run inside a routine is counted. */
const COUNTING_SETTINGS = ['pg_stat_statements.track', 'pg_stat_statements.track_utility', 'compute_query_id', 'track_counts'] as const;

/**
 * Routines of this database (outside pg_catalog and information_schema) with a SET clause
 * (pg_proc.proconfig) that may lower one of those settings, or whose body names one of them:
 * each as `signature`, the settings (`name=value`, or `set in its body`), and whether it only
 * stops nested statements being counted (everything but track_counts). pg_proc is readable by every role.
 */
export function planRoutineCountingSettings(): SQL {
  // A setting lowers counting unless its value is one known to keep counting, as for role settings.
  const lowers = (setting: SQL) => sql`lower(split_part(${setting}, '=', 1)) operator(pg_catalog.=) any(${arrayLiteralText(COUNTING_SETTINGS)}::text[])
    and not (lower(split_part(${setting}, '=', 1)) operator(pg_catalog.=) 'pg_stat_statements.track' and lower(substr(${setting}, strpos(${setting}, '=') + 1)) operator(pg_catalog.=) 'all')
    and not (lower(split_part(${setting}, '=', 1)) operator(pg_catalog.<>) 'pg_stat_statements.track' and lower(substr(${setting}, strpos(${setting}, '=') + 1)) in ('on', 'true', 'yes', '1', 'auto', 'regress'))`;
  const bodyPattern = COUNTING_SETTINGS.map((n) => n.replace('.', '\\.')).join('|');
  return sql`select p.oid::regprocedure::text as routine,
      coalesce((select string_agg(c.setting, ', ' order by c.setting) from unnest(p.proconfig) as c(setting) where ${lowers(sql`c.setting`)}),
        'set in its body') as settings,
      not (coalesce(array_to_string(p.proconfig, ' '), '') ~* 'track_counts' or p.prosrc ~* 'track_counts') as nested_only
    from pg_proc p join pg_namespace n on n.oid operator(pg_catalog.=) p.pronamespace
    where n.nspname not in ('pg_catalog', 'information_schema')
      and (exists (select from unnest(p.proconfig) as c(setting) where ${lowers(sql`c.setting`)}) or p.prosrc ~* ${bodyPattern})
    order by 1 limit 20`;
}

/** One routine found by `planRoutineCountingSettings`. */
export type RoutineCountingRow = { routine: string; settings: string; nested_only: boolean };

/**
 * The gap each routine leaves. Below `track = all` nested statements are not counted anyway (and
 * routines that compose SQL are already the gap nested_statements_untracked), so a routine that
 * only stops nested counting is a gap only where parity relies on nested statements.
 */
export function routineCountingGaps(rows: readonly RoutineCountingRow[], trackAll: boolean): FaultInfo[] {
  const relevant = rows.filter((r) => trackAll || !r.nested_only);
  if (relevant.length === 0) return [];
  const list = relevant.map((r) => `${r.routine} (${r.settings})`).join(', ');
  return [{ code: 'statement_stats_off', message: `routine${relevant.length === 1 ? '' : 's'} ${list} lower${relevant.length === 1 ? 's' : ''} statement or write counting while ${relevant.length === 1 ? 'it runs' : 'they run'} (its own SET clause or body), so what ${relevant.length === 1 ? 'it reads' : 'they read'} is not counted whatever the server says; remove the setting (ALTER FUNCTION … RESET) and observe a window` }];
}

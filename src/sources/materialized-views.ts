/**
 * Materialized views a read would reach, refused before the read. A materialized view's rows are a
 * stored snapshot of its query (`limit 0`, `coalesce(name, '')`, `generate_series(1, 100)`),
 * refreshed whenever its owner likes, and its plan is a plain relation scan: the judgements that
 * look at plans and definitions (null_check's never_null, row_count's fixed_rows, sql_assert's
 * answers fixed by the query) would take a computed answer for a table's rows. So every
 * materialized view a statement reaches — named, under a view, in a sub-select — is refused
 * (implicit-code.ts finds them, as it finds foreign tables).
 */
import { Fault } from '../results/fault.js';

/** The fault for reading materialized views (regclass texts), phrased once. */
export function materializedViewFault(source: string, relations: readonly string[]): Fault {
  const named = [...new Set(relations)].sort();
  return new Fault({
    code: 'materialized_view',
    message: `source "${source}": this read would reach ${named.length === 1 ? 'a materialized view' : 'materialized views'}: ${named.join(', ')}. `
      + 'A materialized view\'s rows are a snapshot its query computed at its last REFRESH, not rows of a table: a query of constants, LIMIT 0 or coalesce() stored there reads as data, so parity judges none. '
      + 'Verify the tables it is computed from',
  });
}

/**
 * The status page's "Backfills" section: for each null_check, how its backfill is getting on —
 * rows left, share done, rows filled per minute and the time left — read from the check's stored
 * results (telemetry/backfill-progress.ts computes the same figures the metrics export).
 */
import type { FC } from 'hono/jsx';
import { humanAge } from '../../gate/evaluate-gate.js';
import type { Service } from '../../service/service.js';
import { backfillFromResults, type BackfillProgress } from '../../telemetry/backfill-progress.js';
import { factsFromRecord } from '../../telemetry/check-state.js';
import { HISTORY_LIMIT } from '../../telemetry/check-states.js';

export interface BackfillRow { checkId: string; progress: BackfillProgress }

/** Every null_check's backfill progress from its recent stored results; checks without a verified result are left out. */
export async function gatherBackfill(service: Service): Promise<BackfillRow[]> {
  const ids = [...service.catalog().checks.values()].filter((c) => c.spec.kind === 'null_check').map((c) => c.spec.id);
  const rows = await Promise.all(ids.map(async (checkId) => {
    const history = (await service.store.checkHistory(checkId, HISTORY_LIMIT)).flatMap((r) => factsFromRecord(r) ?? []);
    const progress = backfillFromResults(history);
    return progress ? { checkId, progress } : undefined;
  }));
  return rows.filter((r): r is BackfillRow => r !== undefined);
}

const grouped = new Intl.NumberFormat('en-US');
const perMinute = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** What the time-left column says: done, a duration, or why there is none. */
export function timeLeft(p: BackfillProgress): string {
  if (p.remaining === 0) return 'done';
  if (p.etaSeconds !== null) return `~${humanAge(p.etaSeconds * 1000)}`;
  if (p.rowsPerMinute === null) return 'unknown: one result so far';
  return 'stalled: not falling';
}

/** The section; pure over the gathered rows. */
export const BackfillSection: FC<{ rows: BackfillRow[]; now: Date }> = ({ rows, now }) => (
  <section data-backfills="">
    <h2>Backfills</h2>
    {rows.length === 0 && <p class="muted">No null_check has a verified result yet.</p>}
    {rows.length > 0 && (
      <table>
        <thead><tr><th>null_check</th><th>done</th><th>rows left</th><th>rows / min</th><th>time left</th><th>as of</th></tr></thead>
        <tbody>
          {rows.map(({ checkId, progress: p }) => (
            <tr data-backfill={checkId} data-stalled={String(p.remaining > 0 && p.rowsPerMinute !== null && p.rowsPerMinute <= 0)}>
              <td><code>{checkId}</code></td>
              <td>{`${(Math.floor(p.progressRatio * 1000) / 10).toFixed(1)}%`}</td>
              <td>{`${grouped.format(p.remaining)} of ${grouped.format(p.inScope)}`}</td>
              <td>{p.rowsPerMinute === null ? '—' : perMinute.format(p.rowsPerMinute)}</td>
              <td>{timeLeft(p)}</td>
              <td>{`${humanAge(Math.max(0, now.getTime() - p.at.getTime()))} ago`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);

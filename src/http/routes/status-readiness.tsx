/**
 * The status page's contract-readiness section: each `unused` check's window coverage ("observing:
 * 3h of 24h covered", a bar counting up to the window), the evidence its latest result read and
 * did not read, and every reader, writer, dependency or session it named. Pure over the view.
 */
import type { FC } from 'hono/jsx';
import { unusedReport } from '../../kinds/unused/report.js';
import type { Observations } from '../../results/outcome.js';
import type { LoadedCheck } from '../../catalog/catalog.js';
import type { ResultRecord } from '../../store/runs.js';

/** Findings listed per check; the API has them all. */
const FINDINGS_SHOWN = 20;

export const READINESS_STYLE = `
.coverage { display: inline-block; width: 10rem; height: .6rem; background: #e9ecef; border-radius: .3rem; vertical-align: middle; margin-right: .4rem; }
.coverage > span { display: block; height: 100%; background: #1c7ed6; border-radius: .3rem; }
ul.findings { margin: .25rem 0 0 1rem; padding: 0; }
`;

const Readiness: FC<{ check: LoadedCheck; finished: ResultRecord | undefined }> = ({ check, finished }) => {
  if (!finished) return <tr data-readiness={check.spec.id}><td><code>{check.spec.id}</code></td><td colspan={3} class="muted">no result yet</td></tr>;
  const report = unusedReport(finished.observations as Observations, finished.samples ?? []);
  const percent = report.coverageRatio === undefined ? undefined : Math.floor(report.coverageRatio * 100);
  return (
    <tr data-readiness={check.spec.id} data-evidence={report.evidence}>
      <td><code>{check.spec.id}</code> <span class={`status ${finished.status}`} data-status={finished.status}>{finished.status}</span></td>
      <td>
        {percent !== undefined && <span class="coverage" title={`${percent}%`}><span style={`width: ${percent}%`} /></span>}
        <span data-progress="coverage">{report.progress}</span>
      </td>
      <td>
        <div>read: {report.read.join('; ') || '—'}</div>
        {report.notRead.length > 0 && <div><strong>NOT read:</strong> {report.notRead.join('; ')}</div>}
      </td>
      <td>
        {report.findings.length === 0 && <span class="muted">{finished.status === 'pass' ? 'nothing found' : (report.gaps[0] ?? finished.summary ?? '')}</span>}
        <ul class="findings">{report.findings.slice(0, FINDINGS_SHOWN).map((f) => <li data-finding={f.evidence}>{f.sentence}</li>)}</ul>
        {report.findings.length > FINDINGS_SHOWN && <span class="muted">and {report.findings.length - FINDINGS_SHOWN} more (see the API)</span>}
      </td>
    </tr>
  );
};

/** One row per `unused` check; nothing when the catalog has none. */
export const ContractReadiness: FC<{ checks: { check: LoadedCheck; finished: ResultRecord | undefined }[] }> = ({ checks }) => {
  const unused = checks.filter(({ check }) => check.spec.kind === 'unused');
  if (unused.length === 0) return null;
  return (
    <section data-section="contract-readiness">
      <h2>Contract readiness</h2>
      <table>
        <thead><tr><th>check</th><th>window coverage</th><th>evidence</th><th>readers, writers, dependencies</th></tr></thead>
        <tbody>{unused.map(({ check, finished }) => <Readiness check={check} finished={finished} />)}</tbody>
      </table>
    </section>
  );
};

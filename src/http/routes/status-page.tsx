/**
 * GET / — the status page, server-rendered with hono/jsx and no client framework: each migration's
 * phases with their gate verdicts and reasons, each check's latest result and recent mismatch
 * samples. Verdicts shown here are previews; they are not recorded as decisions.
 */
import type { FC } from 'hono/jsx';
import type { GateVerdict } from '../../gate/evaluate-gate.js';
import { humanAge } from '../../gate/evaluate-gate.js';
import { redact, redactDeep } from '../../logging/secrets.js';
import type { Service } from '../../service/service.js';
import type { LoadedCheck } from '../../catalog/catalog.js';
import type { GateResultRow } from '../../store/gates.js';
import type { ResultRecord } from '../../store/runs.js';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { ContractReadiness, READINESS_STYLE } from './status-readiness.js';
import { BackfillSection, gatherBackfill, type BackfillRow } from './status-backfill.js';

const SAMPLES_SHOWN = 5;

/** Everything the page shows, gathered before rendering so the view stays a pure function. */
export interface StatusView {
  now: Date;
  migrations: { id: string; description: string | null; gates: (GateVerdict | { phase: string; unavailable: string })[] }[];
  checks: { check: LoadedCheck; newest: GateResultRow | undefined; finished: ResultRecord | undefined }[];
  /** Backfill progress of each null_check (status-backfill.tsx). */
  backfill: BackfillRow[];
}

/** Reads the catalog, verdicts and latest results for the page. */
export async function gatherStatus(service: Service): Promise<StatusView> {
  const catalog = service.catalog();
  const now = service.clock.now();
  const ids = [...catalog.checks.keys()];
  const [newest, finished, backfill] = await Promise.all([service.store.latestResultsForGate(ids), service.store.latestFinished(ids), gatherBackfill(service)]);
  const migrations = await Promise.all([...catalog.migrations.values()].map(async ({ spec }) => ({
    id: spec.id,
    description: spec.description ?? null,
    gates: await Promise.all(spec.phases.map((p) => service.gates.preview(spec.id, p.name)
      .catch((error: unknown) => ({ phase: p.name, unavailable: redact((error as Error).message) })))),
  })));
  return { now, migrations, checks: [...catalog.checks.values()].map((check) => ({ check, newest: newest.get(check.spec.id), finished: finished.get(check.spec.id) })), backfill };
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d232a; background: #fafbfc; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; } h3 { font-size: 1rem; margin: 1rem 0 .25rem; }
table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1rem; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #e3e7eb; vertical-align: top; }
th { font-weight: 600; background: #f1f3f5; }
.verdict, .status { display: inline-block; padding: .05rem .5rem; border-radius: .7rem; font-weight: 700; font-size: .8rem; text-transform: uppercase; }
/* Verdicts get solid colours of their own, so they stand out from the check status pills. */
.verdict.allowed { background: #2b8a3e; color: #fff; } .verdict.denied { background: #c92a2a; color: #fff; } .verdict.unavailable { background: #e67700; color: #fff; }
.status.pass { background: #d3f9d8; color: #1b5e20; } .status.fail { background: #ffe3e3; color: #a61e1e; }
.status.error, .status.missing { background: #fff3bf; color: #7a4f01; } .status.running { background: #dbe4ff; color: #283a8f; }
ul.reasons { margin: .25rem 0 0 1rem; padding: 0; } code { font-size: .85em; } .muted { color: #6b7785; }
`;

const Status: FC<{ status: string }> = ({ status }) => <span class={`status ${status}`} data-status={status}>{status}</span>;

const GateRow: FC<{ gate: StatusView['migrations'][number]['gates'][number] }> = ({ gate }) => {
  if ('unavailable' in gate) {
    return (
      <tr data-phase={gate.phase} data-verdict="unavailable">
        <td>{gate.phase}</td>
        <td><span class="verdict unavailable">could not evaluate</span></td>
        <td><ul class="reasons"><li>{gate.unavailable}</li></ul></td>
      </tr>
    );
  }
  const verdict = gate.allowed ? 'allowed' : 'denied';
  return (
    <tr data-phase={gate.phase} data-verdict={verdict}>
      <td>{gate.phase}</td>
      <td><span class={`verdict ${verdict}`}>{verdict}</span></td>
      <td>
        {gate.checks.map((c) => <span>{' '}<Status status={c.status} />{' '}<code>{c.id}</code></span>)}
        {gate.reasons.length > 0 && <ul class="reasons">{gate.reasons.map((r) => <li>{r}</li>)}</ul>}
      </td>
    </tr>
  );
};

const ago = (now: Date, at: Date | null | undefined) => (at ? `${humanAge(Math.max(0, now.getTime() - new Date(at).getTime()))} ago` : '—');
const show = (value: unknown) => (value === undefined ? '' : JSON.stringify(redactDeep(value)));

/** The page itself; pure over the gathered view. */
export const StatusPage: FC<{ view: StatusView }> = ({ view }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta http-equiv="refresh" content="30" />
      <title>parity — status</title>
      <style>{STYLE + READINESS_STYLE}</style>
    </head>
    <body>
      <h1>parity</h1>
      <div class="muted">as of {view.now.toISOString()} · <a href="/v1/migrations">/v1/migrations</a> · <a href="/v1/checks">/v1/checks</a> · <a href="/openapi.json">/openapi.json</a></div>

      <h2>Migrations</h2>
      {view.migrations.length === 0 && <p class="muted">No migrations are declared in the check files.</p>}
      {view.migrations.map((m) => (
        <section data-migration={m.id}>
          <h3>{m.id}</h3>
          {m.description && <p class="muted">{m.description}</p>}
          <table>
            <thead><tr><th>phase</th><th>gate</th><th>checks and reasons</th></tr></thead>
            <tbody>{m.gates.map((g) => <GateRow gate={g} />)}</tbody>
          </table>
        </section>
      ))}

      <h2>Checks</h2>
      <table>
        <thead><tr><th>check</th><th>latest</th><th>summary</th><th>mismatches</th><th>finished</th><th>schedule</th></tr></thead>
        <tbody>
          {view.checks.map(({ check, newest, finished }) => (
            <tr data-check={check.spec.id}>
              <td><code>{check.spec.id}</code> <span class="muted">{check.spec.kind}</span></td>
              <td>
                <Status status={newest?.status ?? 'missing'} />
                {newest?.status === 'running' && finished && <span class="muted"> (last: {finished.status})</span>}
              </td>
              <td>{finished?.summary ?? ''}</td>
              <td>{typeof finished?.observations.mismatches === 'number' ? String(finished.observations.mismatches) : ''}</td>
              <td>{ago(view.now, finished?.finishedAt)}</td>
              <td>{check.spec.schedule ? <code>{check.spec.schedule}</code> : <span class="muted">on demand</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <ContractReadiness checks={view.checks} />
      <BackfillSection rows={view.backfill} now={view.now} />

      <h2>Recent mismatch samples</h2>
      {view.checks.every(({ finished }) => !finished?.samples?.length) && <p class="muted">No samples: no check's latest result has offending rows.</p>}
      {view.checks.filter(({ finished }) => finished?.samples?.length).map(({ check, finished }) => (
        <section data-samples={check.spec.id}>
          <h3><code>{check.spec.id}</code> <span class="muted">{finished!.samples!.length} sample(s), {ago(view.now, finished!.finishedAt)}</span></h3>
          <table>
            <thead><tr><th>category</th><th>key</th><th>old</th><th>new</th></tr></thead>
            <tbody>
              {finished!.samples!.slice(0, SAMPLES_SHOWN).map((s) => (
                <tr><td>{s.category}</td><td><code>{show(s.key)}</code></td><td><code>{show(s.old)}</code></td><td><code>{show(s.new)}</code></td></tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </body>
  </html>
);

/** GET / (read scope). */
export const registerStatusPage: RouteRegistrar = (app, { service }) => {
  app.get('/', requireScope('read'), async (c) => c.html(`<!doctype html>${<StatusPage view={await gatherStatus(service)} />}`));
};

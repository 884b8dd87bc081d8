/**
 * GET / — the status page, server-rendered with hono/jsx and no client framework: each migration's
 * phases with their gate verdicts and reasons, each check's latest result (and how it was read:
 * resumed, incremental coverage, replica lag, final progress) and recent mismatch samples.
 * Verdicts shown here are previews; they are not recorded as decisions. With API tokens set, a
 * browser without a session gets the login form (login.tsx) instead.
 */
import { getCookie } from 'hono/cookie';
import type { FC } from 'hono/jsx';
import type { GateVerdict } from '../../gate/evaluate-gate.js';
import { humanAge } from '../../gate/evaluate-gate.js';
import { passNotCountedLabel } from '../../gate/denials.js';
import { redact, redactDeep } from '../../logging/secrets.js';
import type { Service } from '../../service/service.js';
import type { LoadedCheck } from '../../catalog/catalog.js';
import type { GateResultRow } from '../../store/gates.js';
import type { ResultRecord } from '../../store/runs.js';
import type { Sample } from '../../results/outcome.js';
import { readEvidence } from '../../results/read-evidence.js';
import type { RouteRegistrar } from '../app.js';
import { requireScope } from '../auth.js';
import { sendPage } from '../html.js';
import { SESSION_COOKIE } from '../session.js';
import { loginPage, registerLoginRoutes } from './login.js';
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
ul.reasons, ul.evidence { margin: .25rem 0 0 1rem; padding: 0; } code { font-size: .85em; } .muted { color: #6b7785; }
form.signout { display: inline; margin-left: .5rem; }
`;

const Status: FC<{ status: string }> = ({ status }) => <span class={`status ${status}`} data-status={status}>{status}</span>;

type Gate = StatusView['migrations'][number]['gates'][number];

/** A phase's reasons: those first shown in its row, and how many an earlier phase's row already shows. */
export interface PhaseReasons { fresh: string[]; shownAbove: { phase: string; count: number }[] }

/**
 * Later phases inherit earlier phases' checks, so the same reason ("check x failed: …") would fill
 * every row below the first. Each reason is shown once, in the first phase that has it; later
 * phases say how many of their reasons are listed above, and where. Pure.
 */
export function reasonsOncePerMigration(gates: readonly Gate[]): PhaseReasons[] {
  const firstShownIn = new Map<string, string>();
  return gates.map((gate) => {
    const reasons = 'unavailable' in gate ? [gate.unavailable] : gate.reasons;
    const fresh: string[] = [];
    const above = new Map<string, number>();
    for (const reason of new Set(reasons)) {
      const phase = firstShownIn.get(reason);
      if (phase === undefined) {
        firstShownIn.set(reason, gate.phase);
        fresh.push(reason);
      } else {
        above.set(phase, (above.get(phase) ?? 0) + 1);
      }
    }
    return { fresh, shownAbove: [...above].map(([phase, count]) => ({ phase, count })) };
  });
}

const Reasons: FC<{ reasons: PhaseReasons }> = ({ reasons }) => (
  (reasons.fresh.length > 0 || reasons.shownAbove.length > 0) ? (
    <ul class="reasons">
      {reasons.fresh.map((r) => <li>{r}</li>)}
      {reasons.shownAbove.map(({ phase, count }) => (
        <li class="muted" data-shown-above={phase}>{count === 1 ? 'and 1 reason' : `and ${count} reasons`} shown for {phase} above</li>
      ))}
    </ul>
  ) : null
);

const GateRow: FC<{ gate: Gate; reasons: PhaseReasons }> = ({ gate, reasons }) => {
  if ('unavailable' in gate) {
    return (
      <tr data-phase={gate.phase} data-verdict="unavailable">
        <td>{gate.phase}</td>
        <td><span class="verdict unavailable">could not evaluate</span></td>
        <td><Reasons reasons={reasons} /></td>
      </tr>
    );
  }
  const verdict = gate.allowed ? 'allowed' : 'denied';
  return (
    <tr data-phase={gate.phase} data-verdict={verdict}>
      <td>{gate.phase}</td>
      <td><span class={`verdict ${verdict}`}>{verdict}</span></td>
      <td>
        {gate.checks.map((c) => (
          <span>{' '}<Status status={c.status} />{' '}<code>{c.id}</code>
            {c.reason !== null && c.status === 'pass' && <span class="muted" data-not-counted={c.denial}> ({passNotCountedLabel(c.denial)})</span>}
          </span>
        ))}
        <Reasons reasons={reasons} />
      </td>
    </tr>
  );
};

const MigrationSection: FC<{ migration: StatusView['migrations'][number] }> = ({ migration: m }) => {
  const reasons = reasonsOncePerMigration(m.gates);
  return (
    <section data-migration={m.id}>
      <h3>{m.id}</h3>
      {m.description && <p class="muted">{m.description}</p>}
      <table>
        <thead><tr><th>phase</th><th>gate</th><th>checks and reasons</th></tr></thead>
        <tbody>{m.gates.map((g, i) => <GateRow gate={g} reasons={reasons[i]!} />)}</tbody>
      </table>
    </section>
  );
};

const ago = (now: Date, at: Date | null | undefined) => (at ? `${humanAge(Math.max(0, now.getTime() - new Date(at).getTime()))} ago` : '—');

/** A value as JSON, strings quoted so blanks, padding and empty strings stay visible. */
const show = (value: unknown) => (value === undefined ? '' : JSON.stringify(redactDeep(value)) ?? '');

/** Text that reads unambiguously without quotes: no edge blanks, no list or pair separators, not empty. */
const BARE = /^[^\s,="]([^,="]*[^\s,="])?$/;

/**
 * Columns as a person reads them: `id = 7, email = a@example.com`. Keys arrive as exact text
 * ("7"), so plain text goes unquoted; empty or padded text, and anything that would blur the pairs,
 * keeps its JSON quotes. Pure.
 */
export function formatColumns(columns: Record<string, unknown> | undefined): string {
  if (columns === undefined) return '';
  return Object.entries(redactDeep(columns)).map(([name, value]) => `${name} = ${typeof value === 'string' && BARE.test(value) ? value : JSON.stringify(value) ?? ''}`).join(', ');
}

/**
 * A sample's offending row: its key columns, or — for kinds whose samples are whole rows with no
 * key (sql_assert returns the query's rows) — the row's own values, so the offender is on the page.
 */
function sampleCells(sample: Sample): { row: string; detail: string } {
  const keyed = Object.keys(sample.key).length > 0;
  return keyed ? { row: formatColumns(sample.key), detail: formatColumns(sample.detail) } : { row: formatColumns(sample.detail), detail: '' };
}

/** One check's samples; the old, new and detail columns appear only when some sample has them. */
const SampleSection: FC<{ id: string; samples: Sample[]; age: string }> = ({ id, samples, age }) => {
  const rows = samples.slice(0, SAMPLES_SHOWN).map((s) => ({ category: s.category, ...sampleCells(s), old: show(s.old), new: show(s.new) }));
  const shown = (['old', 'new', 'detail'] as const).filter((column) => rows.some((r) => r[column] !== ''));
  return (
    <section data-samples={id}>
      <h3><code>{id}</code> <span class="muted">{samples.length} sample(s), {age}</span></h3>
      <table>
        <thead><tr><th>category</th><th>row</th>{shown.map((column) => <th>{column}</th>)}</tr></thead>
        <tbody>
          {rows.map((r) => <tr data-sample={r.category}><td>{r.category}</td><td><code>{r.row}</code></td>{shown.map((column) => <td><code>{r[column]}</code></td>)}</tr>)}
        </tbody>
      </table>
    </section>
  );
};

/** How the latest result was read: resumed from, incremental coverage, replica lag, final progress (results/read-evidence.ts). */
const ReadEvidence: FC<{ result: ResultRecord }> = ({ result }) => {
  const lines = readEvidence({ observations: result.observations, servers: result.servers });
  return lines.length === 0 ? null : (
    <ul class="evidence">{lines.map((line) => <li class="muted" data-evidence={line.kind}>{line.text}</li>)}</ul>
  );
};

/** The page itself; pure over the gathered view. `session`: signed in with a cookie (offer to sign out). */
export const StatusPage: FC<{ view: StatusView; session?: boolean }> = ({ view, session }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta http-equiv="refresh" content="30" />
      <title>parity — status</title>
      <style>{STYLE + READINESS_STYLE}</style>
    </head>
    <body>
      <h1>parity</h1>
      <div class="muted">as of {view.now.toISOString()} · <a href="/v1/migrations">/v1/migrations</a> · <a href="/v1/checks">/v1/checks</a> · <a href="/openapi.json">/openapi.json</a>
        {session && <form method="post" action="/logout" class="signout"><button type="submit">Sign out</button></form>}
      </div>

      <h2>Migrations</h2>
      {view.migrations.length === 0 && <p class="muted">No migrations are declared in the check files.</p>}
      {view.migrations.map((m) => <MigrationSection migration={m} />)}

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
              <td>{finished?.summary ?? ''}{finished && <ReadEvidence result={finished} />}</td>
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
        <SampleSection id={check.spec.id} samples={finished!.samples!} age={ago(view.now, finished!.finishedAt)} />
      ))}
    </body>
  </html>
);

/** GET / (read scope), and the login routes that let a browser get it once API tokens are set. */
export const registerStatusPage: RouteRegistrar = (app, deps) => {
  registerLoginRoutes(app, deps);
  app.get('/', async (c) => {
    const principal = c.get('principal');
    if (!principal) {
      // A cookie that did not authenticate has expired, or its token was removed or rotated.
      const ended = getCookie(c, SESSION_COOKIE) !== undefined;
      return loginPage(c, 401, ended ? 'Your session has ended or is no longer valid; sign in again.' : undefined);
    }
    await requireScope('read')(c, async () => {});
    return sendPage(c, 200, <StatusPage view={await gatherStatus(deps.service)} session={principal.session === true} />);
  });
};

/**
 * `parity gate MIGRATION PHASE`: a CI/CD step. Exit 0 allowed, 1 denied, 2 could not evaluate,
 * 64 bad configuration (unknown migration or phase, invalid check files). Asks the local state
 * store, or a running server with --server.
 */
import { userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/config.js';
import type { GateDecision } from '../../gate/gate-service.js';
import { humanAge } from '../../gate/evaluate-gate.js';
import { passNotCountedLabel } from '../../gate/denials.js';
import { GateUnavailableError, UnknownMigrationError, UnknownPhaseError } from '../../gate/gate-errors.js';
import { redact } from '../../logging/secrets.js';
import { systemClock } from '../../runner/clock.js';
import { reportFailure } from '../failures.js';
import { exitCodeForGate, unavailableAnswer, type GateAnswer } from '../gate-answer.js';
import { chosenFormat, withFormatOptions, type FormatFlags, type OutputFormat } from '../output-format.js';
import { junitForGate } from '../report-junit.js';
import { markdownForGate } from '../report-markdown.js';
import { EXIT, type CliIo, type CommandRegistrar } from '../exit.js';
import { configOverrides, withConfigOptions, type ConfigFlags } from '../options.js';
import { loadRuntime } from '../runtime.js';
import { createProgressLog, DEFAULT_PROGRESS_INTERVAL_S, withProgressOption } from '../progress-display.js';

interface GateFlags extends ConfigFlags, FormatFlags { refresh?: boolean; server?: string; progressInterval?: number; timeout?: number }

/** Seconds `parity gate --server` waits for an answer (without --refresh, whose checks may run long). */
export const DEFAULT_SERVER_TIMEOUT_S = 60;

function parseTimeout(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds > 86_400) throw new InvalidArgumentError('must be a number of seconds from 0 to 86400');
  return seconds;
}

/** The decision as lines for a terminal. Pure. The headline follows the exit code, never `allowed` alone. */
export function formatDecision(d: GateDecision): string {
  const lines = [`${d.migration} → ${d.phase}: ${exitCodeForGate(d) === EXIT.ok ? 'ALLOWED' : 'DENIED'}${d.refreshed ? ' (checks re-run)' : ''}`];
  const width = Math.max(0, ...d.checks.map((c) => c.id.length));
  // A pass the gate does not count says why beside "pass" ("pass (stale definition)"), never a bare "✗ … pass".
  const statuses = d.checks.map((c) => (c.reason !== null && c.status === 'pass' ? `pass (${passNotCountedLabel(c.denial)})` : c.status));
  const statusWidth = Math.max(7, ...statuses.map((s) => s.length));
  d.checks.forEach((c, i) => {
    const age = c.age_s === null ? 'never finished' : `finished ${humanAge(c.age_s * 1000)} ago`;
    lines.push(`  ${c.reason === null ? '✓' : '✗'} ${c.id.padEnd(width)}  ${statuses[i]!.padEnd(statusWidth)}  ${age}`);
    // A pass on partial evidence the check file chose (evidence: catalog) says what it did not read.
    if (c.caveat) lines.push(`      ! ${c.caveat}`);
  });
  if (d.reasons.length > 0) lines.push('reasons:', ...d.reasons.map((r) => `  - ${r}`));
  if (d.id) lines.push(`decision ${d.id} recorded${d.requested_by ? ` (asked by ${d.requested_by})` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** Who asked, as recorded with the decision. */
function asker(env: CliIo['env']): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:${env.USER ?? 'unknown'}`;
  }
}

export const registerGate: CommandRegistrar = (program, io, setExit) => {
  withProgressOption(withFormatOptions(withConfigOptions(program
    .command('gate')
    .description('may this phase start? (exit 0 allowed, 1 denied, 2 could not evaluate, 64 bad config)')
    .argument('<migration>', 'migration id')
    .argument('<phase>', 'phase name')
    .option('--refresh', 'run the required checks now, then answer')
    .option('--server <url>', 'ask a running parity server instead of the state store (token from $PARITY_TOKEN)')
    .option('--timeout <seconds>', `with --server: exit 2 when no full answer came within N seconds; 0 waits forever (default ${DEFAULT_SERVER_TIMEOUT_S}, or 0 with --refresh)`, parseTimeout)), 'the decision'))
    .action(async (migration: string, phase: string, flags: GateFlags) => setExit(await gate(migration, phase, flags)));

  /** Prints the answer in the chosen format and returns the exit code it stands for. */
  const print = (answer: GateAnswer, format: OutputFormat): number => {
    const rendered = format === 'json' ? `${JSON.stringify(answer, null, 2)}\n`
      : format === 'junit' ? junitForGate(answer)
        : format === 'markdown' ? markdownForGate(answer)
          : formatDecision(answer);
    io.stdout.write(rendered);
    return exitCodeForGate(answer);
  };

  /**
   * "Could not evaluate": the message on stderr, and — for the machine formats, so a CI report
   * shows the gap instead of missing — the same answer the HTTP route gives (allowed false).
   */
  const printUnavailable = (migration: string, phase: string, message: string, flags: GateFlags, format: OutputFormat, code?: string) => {
    if (format !== 'text') print(unavailableAnswer(migration, phase, message, { requestedBy: null, refreshed: flags.refresh === true, now: systemClock.now(), code }), format);
  };
  /** Exit 64 (the question could not be asked): the message, and — for the machine formats — a report that says so. */
  const badConfiguration = (migration: string, phase: string, message: string, flags: GateFlags, format: OutputFormat): number => {
    io.stderr.write(`parity: ${message}\n`);
    printUnavailable(migration, phase, message, flags, format, 'bad_configuration');
    return EXIT.badConfig;
  };
  const unavailable = (migration: string, phase: string, message: string, flags: GateFlags, format: OutputFormat): number => {
    io.stderr.write(`parity: ${message}\n`);
    printUnavailable(migration, phase, message, flags, format);
    return EXIT.couldNotVerify;
  };

  async function gate(migration: string, phase: string, flags: GateFlags): Promise<number> {
    const chosen = chosenFormat(flags);
    if ('error' in chosen) {
      io.stderr.write(`parity: ${chosen.error}\n`);
      return EXIT.badConfig;
    }
    const { format } = chosen;
    // Given at all, even empty (`--server "$UNSET"`), it names the one store to ask: falling back to
    // the local state store would answer with another store's evidence.
    if (flags.server !== undefined) return askServer(flags.server, migration, phase, flags, format);
    try {
      const config = loadConfig(io.env, configOverrides(flags));
      const { createDeferredLogger, openService } = await loadRuntime();
      // A one-shot command at its default level usually writes no log line: pino loads only if one is written.
      const logger = createDeferredLogger({ destination: io.stderr, level: io.env.PARITY_LOG_LEVEL ?? 'warn' });
      // --refresh runs checks here: off a terminal, a periodic line on stderr says they are still running.
      const intervalS = flags.progressInterval ?? DEFAULT_PROGRESS_INTERVAL_S;
      const log = flags.refresh && intervalS > 0 ? createProgressLog(io.stderr, { intervalMs: intervalS * 1000, clock: systemClock }) : undefined;
      const service = await openService(config, { logger, env: io.env, observers: log ? [log.observer] : [] });
      try {
        const decision = await service.gates.decide(migration, phase, { refresh: flags.refresh, requestedBy: asker(io.env) });
        return print(decision, format);
      } finally {
        log?.stop();
        await service.close();
      }
    } catch (error) {
      if (error instanceof UnknownMigrationError || error instanceof UnknownPhaseError) return badConfiguration(migration, phase, error.message, flags, format);
      if (error instanceof GateUnavailableError) return unavailable(migration, phase, redact(error.message), flags, format);
      const code = reportFailure(error, io);
      // Whatever the exit code, a CI that gates on the report must find one that is not a pass.
      printUnavailable(migration, phase, redact(error instanceof Error ? error.message : String(error)), flags, format, code === EXIT.badConfig ? 'bad_configuration' : undefined);
      return code;
    }
  }

  async function askServer(server: string, migration: string, phase: string, flags: GateFlags, format: OutputFormat): Promise<number> {
    // Relative to the URL as given, path included: `--server https://host/parity-prod` asks that
    // deployment, not whatever answers at the host's root.
    const base = URL.canParse(server.trim()) ? new URL(server.trim()) : undefined;
    if (!base || !['http:', 'https:'].includes(base.protocol)) {
      return badConfiguration(migration, phase, `--server ${JSON.stringify(redact(server))} is not an http(s) URL of a parity server; nothing was asked`, flags, format);
    }
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    const url = new URL(`v1/migrations/${encodeURIComponent(migration)}/gates/${encodeURIComponent(phase)}`, base);
    if (flags.refresh) url.searchParams.set('refresh', 'true');
    // The body form: the answer is judged from the whole decision (exitCodeForGate), not the status.
    url.searchParams.set('respond', 'body');
    const headers: Record<string, string> = io.env.PARITY_TOKEN ? { authorization: `Bearer ${io.env.PARITY_TOKEN}` } : {};
    // A server or proxy that accepts the connection and never answers must end in an exit code
    // (2), not a step that hangs until something else decides what its silence meant.
    const limitS = flags.timeout ?? (flags.refresh ? 0 : DEFAULT_SERVER_TIMEOUT_S);
    const signal = limitS > 0 ? AbortSignal.timeout(limitS * 1000) : undefined;
    const late = () => unavailable(migration, phase, `${url.origin} gave no full answer within ${limitS} s (--timeout)`, flags, format);
    let response: Response;
    try {
      // Never followed: a redirect may lead to another deployment (another origin, or another path
      // of this one) whose answer about a gate of the same name is not the named server's.
      response = await fetch(url, { method: flags.refresh ? 'POST' : 'GET', headers, redirect: 'manual', ...(signal ? { signal } : {}) });
    } catch (error) {
      if (signal?.aborted) return late();
      const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
      return unavailable(migration, phase, `could not reach ${url.origin}: ${redact(cause)}`, flags, format);
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      return unavailable(migration, phase, `${url.origin} answered ${response.status}, a redirect${location ? ` to ${redact(location)}` : ''}; parity gate follows none — give --server the URL that answers itself`, flags, format);
    }
    // Answers are no-store; a cache that ignored that says so with `Age` (RFC 9111 §5.1): what it
    // serves is an answer of up to Age seconds ago, given before the gate may have closed.
    const age = response.headers.get('age');
    if (age !== null && age.trim() !== '0') {
      return unavailable(migration, phase, `${url.origin} answered from a cache (Age: ${redact(age)}); a gate answer is the server's answer now — make the cache in between pass gate answers through`, flags, format);
    }
    const body = await response.json().catch(() => undefined) as GateAnswer | undefined;
    if (body === undefined && signal?.aborted) return late();
    if (response.status === 200 && body && typeof body.allowed === 'boolean') {
      // An answer about another gate (a proxy or redirect that routed elsewhere) answers nothing asked.
      if (body.migration !== migration || body.phase !== phase) {
        return unavailable(migration, phase, `${url.origin} answered for ${String(body.migration)}/${String(body.phase)}, not ${migration}/${phase}`, flags, format);
      }
      // --refresh asks for a verdict on checks run now (e.g. after a cut-over); an answer from the
      // results already stored (a proxy that dropped the query, a redirect that became a GET) is not it.
      if (flags.refresh && body.refreshed !== true) {
        return unavailable(migration, phase, `${url.origin} answered with the checks not re-run (refreshed: ${String(body.refreshed)}); --refresh needs a verdict on checks run now`, flags, format);
      }
      return print(body, format);
    }
    const said = `${url.origin} answered ${response.status}${body?.error ? `: ${body.error.code}: ${redact(body.error.message)}` : ''}`;
    // Unknown ids and rejected credentials are the caller's configuration; anything else is "could not evaluate".
    if ([401, 403, 404, 422].includes(response.status)) return badConfiguration(migration, phase, said, flags, format);
    return unavailable(migration, phase, said, flags, format);
  }
};

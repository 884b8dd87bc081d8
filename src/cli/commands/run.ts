/** `parity run`: a one-shot audit through the same service and runner the server uses. */
import { loadConfig } from '../../config/config.js';
import { serializeRunDetail } from '../../http/serialize.js';
import type { FinishedRun } from '../../runner/run-types.js';
import { loadCatalog, selectChecks } from '../../catalog/load.js';
import { failureSummary, reportFailure } from '../failures.js';
import { formatRun } from '../format.js';
import { chosenFormat, withFormatOptions, type FormatFlags, type OutputFormat } from '../output-format.js';
import { junitForNoOutcome, junitForRun } from '../report-junit.js';
import { markdownForNoOutcome, markdownForRun } from '../report-markdown.js';
import { createProgressDisplay, createProgressLog, DEFAULT_PROGRESS_INTERVAL_S, withProgressOption } from '../progress-display.js';
import { systemClock } from '../../runner/clock.js';
import { EXIT, type CommandRegistrar } from '../exit.js';
import { collect, configOverrides, withConfigOptions, type ConfigFlags } from '../options.js';
import { loadRuntime } from '../runtime.js';

interface RunFlags extends ConfigFlags, FormatFlags { tag?: string[]; recheck?: string; progressInterval?: number }

/**
 * 1 if any check failed, else 2 if any could not be verified (or the run did not finish, or it ran
 * no check at all — "every check passed" is then vacuous, and nothing was verified), else 0.
 */
export function exitCodeForRun(run: FinishedRun): number {
  if (run.results.some((r) => r.status === 'fail')) return EXIT.failed;
  const complete = run.status === 'finished' && run.checkIds.length > 0 && run.results.length === run.checkIds.length && run.results.every((r) => r.status === 'pass');
  return complete ? EXIT.ok : EXIT.couldNotVerify;
}

export const registerRun: CommandRegistrar = (program, io, setExit) => {
  withProgressOption(withFormatOptions(withConfigOptions(program
    .command('run')
    .description('run checks once and print the results (exit 0 pass, 1 fail, 2 could not verify, 64 bad config)')
    .argument('[ids...]', 'check ids to run (default: every check, or those selected by --tag)')
    .option('--tag <tag>', 'run checks carrying this tag (repeatable)', collect)
    .option('--recheck <what>', 'failing: re-read only the keys each check\'s last failing result sampled (never gate evidence)')), 'the finished run'))
    .action(async (ids: string[], flags: RunFlags) => setExit(await runOnce(ids, flags)));

  /**
   * Ends without a run (exit 2 or 64): the machine formats still print a report that is not a pass
   * — a CI that gates on the report must not find an empty file. Returns the exit code.
   */
  const noOutcome = (format: OutputFormat, exitCode: number, message: string): number => {
    if (format === 'junit') io.stdout.write(junitForNoOutcome('run', exitCode, message, systemClock.now()));
    else if (format === 'markdown') io.stdout.write(markdownForNoOutcome('run', exitCode, message));
    else if (format === 'json') io.stdout.write(`${JSON.stringify({ error: { code: exitCode === EXIT.badConfig ? 'bad_configuration' : 'could_not_verify', message } }, null, 2)}\n`);
    return exitCode;
  };

  async function runOnce(ids: string[], flags: RunFlags): Promise<number> {
    const chosen = chosenFormat(flags);
    if ('error' in chosen) {
      io.stderr.write(`parity: ${chosen.error}\n`);
      return EXIT.badConfig;
    }
    const { format } = chosen;
    let reported = false;
    const refuse = (message: string) => {
      io.stderr.write(`parity: ${message}\n`);
      return noOutcome(format, EXIT.badConfig, message);
    };
    try {
      if (flags.recheck !== undefined && flags.recheck !== 'failing') return refuse(`--recheck takes "failing" (got "${flags.recheck}")`);
      const config = loadConfig(io.env, configOverrides(flags));
      // With no state store configured the audit is one-shot: its record lives in memory and ends
      // with the process (docs/decisions.md); --recheck needs the last failing result, so a store.
      const ephemeral = !config.databaseUrl && !config.dataDirChosen;
      if (ephemeral && flags.recheck !== undefined) {
        return refuse('--recheck failing reads the last failing results from a state store, and none is configured: set --data-dir (PARITY_DATA_DIR) or DATABASE_URL');
      }
      // Selection is checked before the store is opened: a typo answers fast and never takes the lock.
      const selector = { ids, tags: flags.tag ?? [] };
      const preview = selectChecks(await loadCatalog(config.checksDir, io.env), selector);
      if (preview.unknownIds.length > 0) return refuse(`unknown check id${preview.unknownIds.length === 1 ? '' : 's'}: ${preview.unknownIds.join(', ')}`);
      if (preview.checks.length === 0) return refuse(`no checks selected${selector.tags.length > 0 ? ` (no check is tagged ${selector.tags.join(' or ')})` : ''}`);
      const { createDeferredLogger, openService } = await loadRuntime();
      // A one-shot command at its default level usually writes no log line: pino loads only if one is written.
      const logger = createDeferredLogger({ destination: io.stderr, level: io.env.PARITY_LOG_LEVEL ?? 'warn' });
      const display = io.stdout.isTTY && format === 'text' ? createProgressDisplay(io.stdout) : undefined;
      const intervalS = flags.progressInterval ?? DEFAULT_PROGRESS_INTERVAL_S;
      // Off a terminal (CI), a periodic line on stderr says the run is alive; the service runs on the system clock too.
      const log = !display && intervalS > 0 ? createProgressLog(io.stderr, { intervalMs: intervalS * 1000, clock: systemClock, total: preview.checks.length }) : undefined;
      const store = ephemeral ? (await import('../../store/memory-store.js')).createMemoryStore() : undefined;
      const service = await openService(config, {
        logger, env: io.env, observers: [display?.observer, log?.observer].filter((o) => o !== undefined), ...(store ? { store } : {}),
      });
      try {
        // The service loaded the files again: judge the selection it will really run, not the preview's
        // (a checkout between the two loads could leave an id unknown or nothing selected).
        const { checks, unknownIds } = selectChecks(service.catalog(), selector);
        if (unknownIds.length > 0 || checks.length === 0) {
          return refuse(`the check files changed while the run was starting; ${unknownIds.length > 0 ? `unknown now: ${unknownIds.join(', ')}` : 'no checks selected now'}`);
        }
        const { run, finished } = await service.runner.start({ checks, trigger: 'cli', requestedBy: 'cli', selector, recheck: flags.recheck === 'failing' ? 'failing' : undefined });
        // Ctrl-C cancels the running statements; the cancelled checks are reported as errors.
        const cancel = () => service.runner.cancel(run.id);
        process.once('SIGINT', cancel);
        process.once('SIGTERM', cancel);
        let result: FinishedRun;
        try {
          result = await finished;
        } finally {
          process.off('SIGINT', cancel);
          process.off('SIGTERM', cancel);
        }
        display?.clear();
        const exitCode = exitCodeForRun(result);
        // JSON is the `run` object of GET /v1/runs/{id} (one serializer), so scripts parse one shape.
        const rendered = format === 'json' ? `${JSON.stringify(serializeRunDetail(result, undefined), null, 2)}\n`
          : format === 'junit' ? junitForRun(result)
            : format === 'markdown' ? markdownForRun(result, exitCode)
              : formatRun(result);
        io.stdout.write(rendered);
        reported = true;
        return exitCode;
      } finally {
        log?.stop();
        await service.close();
        await store?.close();
      }
    } catch (error) {
      const code = reportFailure(error, io);
      // A fault after the report was written (closing the store) leaves that report as it is.
      return reported ? code : noOutcome(format, code, failureSummary(error));
    }
  }
};

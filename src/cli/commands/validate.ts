/** `parity validate`: lint the check files without touching any database (unless --connect). */
import { loadConfig } from '../../config/config.js';
import { loadCatalog } from '../../catalog/load.js';
import { CheckFileError, formatProblem } from '../../checkfile/problems.js';
import { reportFailure } from '../failures.js';
import { EXIT, type CommandRegistrar } from '../exit.js';
import { configOverrides, type ConfigFlags } from '../options.js';
import { formatSourceReports, inspectSources, reportsFailed } from './validate-connect.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export const registerValidate: CommandRegistrar = (program, io, setExit) => {
  program
    .command('validate')
    .description('check the check files: every problem as file:line:column: path: message (exit 64 on problems)')
    .option('--checks <dir>', 'directory of check files (default: $PARITY_CHECKS_DIR or ./checks)')
    .option('--json', 'print { ok, problems } or { ok, sources, checks, migrations, files } as JSON')
    .option('--connect', 'also connect to each source (read-only): its identity and least-privilege warnings; exit 2 if a source is unreachable or breaks require_least_privilege')
    .action(async (flags: Pick<ConfigFlags, 'checks'> & { json?: boolean; connect?: boolean }) => {
      try {
        const config = loadConfig(io.env, configOverrides(flags));
        const catalog = await loadCatalog(config.checksDir, io.env);
        const counts = { sources: catalog.sources.size, checks: catalog.checks.size, migrations: catalog.migrations.size, files: catalog.files.length };
        const reports = flags.connect ? await inspectSources(catalog, config.dataDir) : undefined;
        const failed = reports !== undefined && reportsFailed(reports);
        io.stdout.write(flags.json
          ? `${JSON.stringify({ ok: !failed, ...counts, ...(reports ? { connected: reports } : {}) }, null, 2)}\n`
          : `ok: ${plural(counts.sources, 'source')}, ${plural(counts.checks, 'check')}, ${plural(counts.migrations, 'migration')} in ${plural(counts.files, 'file')} under ${config.checksDir}\n${reports ? formatSourceReports(reports) : ''}`);
        setExit(failed ? EXIT.couldNotVerify : EXIT.ok);
      } catch (error) {
        if (!(error instanceof CheckFileError)) return setExit(reportFailure(error, io));
        // Problems are this command's output, so they go to stdout (editors and CI annotate from it).
        if (flags.json) {
          io.stdout.write(`${JSON.stringify({ ok: false, problems: error.problems }, null, 2)}\n`);
        } else {
          for (const problem of error.problems) io.stdout.write(`${formatProblem(problem)}\n`);
          io.stderr.write(`parity: ${plural(error.problems.length, 'problem')} in check files\n`);
        }
        setExit(EXIT.badConfig);
      }
    });
};

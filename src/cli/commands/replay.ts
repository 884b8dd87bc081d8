/**
 * `parity replay SCENARIO_DIR`: replays a migration scenario against generated messy data, injects
 * the mutation catalogue's defects, and prints which checks caught which — a mutation score.
 */
import { randomInt } from 'node:crypto';
import { redact } from '../../logging/secrets.js';
import { formatProblem } from '../../checkfile/problems.js';
import { EXIT, type CliIo, type CommandRegistrar } from '../exit.js';

interface ReplayFlags {
  runs: string;
  seed?: string;
  path?: string;
  mutation?: string;
  database?: string;
  json?: boolean;
  requireKeys?: boolean;
}

class UsageError extends Error {}

/**
 * replay is loaded only when asked for: it needs fast-check, a development dependency that an
 * installed parity (`npm install --omit=dev`) does not have, and nothing else should pay for it.
 */
async function loadReplay() {
  try {
    const [database, run, report, scenario] = await Promise.all([
      import('../../replay/database.js'),
      import('../../replay/replay-scenario.js'),
      import('../../replay/report.js'),
      import('../../replay/scenario/load.js'),
    ]);
    return { ...database, ...run, ...report, ...scenario };
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /['"]fast-check['"]/.test((error as Error).message);
    if (!missing) throw error;
    throw new UsageError('parity replay needs fast-check, which an installed parity does not include: run `npm install fast-check` next to parity (or use a source checkout)', { cause: error });
  }
}

type Replay = Awaited<ReturnType<typeof loadReplay>>;

function integerFlag(name: string, value: string, min: number): number {
  if (!/^-?\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}"`);
  }
  return Number(value);
}

function shellQuote(text: string): string {
  return /^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

async function replay(dir: string, flags: ReplayFlags, io: CliIo, { loadScenario, openReplayDatabase, replayScenario, formatReport }: Replay): Promise<number> {
  const runs = integerFlag('runs', flags.runs, 1);
  if (flags.path !== undefined && flags.seed === undefined) throw new UsageError('--path replays a counterexample and needs the --seed it was found with');
  if (flags.mutation !== undefined && flags.path === undefined) throw new UsageError('--mutation picks the mutation to replay at --path; give --seed and --path too');
  // fast-check seeds are 32-bit integers.
  const seed = flags.seed === undefined ? randomInt(2 ** 31 - 1) : integerFlag('seed', flags.seed, -(2 ** 31));
  const scenario = await loadScenario(dir);
  if (flags.mutation !== undefined && !scenario.mutations.some((m) => m.id === flags.mutation)) {
    throw new UsageError(`--mutation ${flags.mutation}: the scenario has no such mutation; it has ${scenario.mutations.map((m) => m.id).join(', ') || 'none'}`);
  }
  const db = await openReplayDatabase(flags.database);
  try {
    const requireNamedKeys = flags.requireKeys ?? false;
    const report = await replayScenario(scenario, db, { runs, seed, path: flags.path, mutation: flags.mutation, requireNamedKeys });
    const reproduce = ['parity replay', shellQuote(dir), ...(flags.database ? ['--database', shellQuote(flags.database)] : []), ...(requireNamedKeys ? ['--require-keys'] : [])].join(' ');
    // The reproduce line may carry --database with a password: both outputs are redacted.
    io.stdout.write(redact(flags.json ? JSON.stringify({ ...report, reproduce }, null, 2) : formatReport(report, scenario.spec, reproduce, requireNamedKeys)) + '\n');
    return report.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await db.close();
  }
}

/** Registers `parity replay SCENARIO_DIR`. */
export const registerReplay: CommandRegistrar = (program, io, setExit) => {
  program
    .command('replay')
    .description('replay a migration scenario against generated messy data and report which checks catch which injected defects (exit 0 all caught, 1 a defect missed or the correct migration failed, 64 bad scenario)')
    .argument('<scenario-dir>', 'folder with scenario.yaml, the SQL steps and checks.yaml')
    .option('--runs <n>', 'generated cases (each replays the correct migration and one mutation)', '100')
    .option('--seed <n>', 'fast-check seed (printed with every run, so any run can be repeated)')
    .option('--path <path>', 'replay one counterexample: the path printed with a failure (needs --seed)')
    .option('--mutation <id>', 'with --path: the mutation to inject into that case')
    .option('--database <url>', 'Postgres server on which to create (and drop) a scratch database; default: embedded PGlite in memory')
    .option('--require-keys', 'count a mutation as caught only when a failing check names an affected key in its samples')
    .option('--json', 'print the report (tallies, counterexamples) as JSON')
    .action(async (dir: string, flags: ReplayFlags) => {
      let modules: Replay | undefined;
      try {
        modules = await loadReplay();
        setExit(await replay(dir, flags, io, modules));
      } catch (error) {
        if (modules && error instanceof modules.ScenarioError) {
          for (const problem of error.problems) io.stdout.write(`${formatProblem(problem)}\n`);
          io.stderr.write(`parity: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in scenario ${dir}\n`);
          return setExit(EXIT.badConfig);
        }
        io.stderr.write(`parity: ${redact(error instanceof Error ? error.message : String(error))}\n`);
        setExit(error instanceof UsageError ? EXIT.badConfig : EXIT.couldNotVerify);
      }
    });
};

/**
 * `parity demo` (and `npm start`): seeds the embedded demo database, optionally repairs its planted
 * defects, and serves the API over it. Needs no configuration at all.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../../config/config.js';
import { PACKAGE_ROOT } from '../../meta/version.js';
import { DataDirLockedError } from '../../embedded/lockfile.js';
import { loadCatalog } from '../../catalog/load.js';
import { DEMO_ROWS } from '../../demo/dataset.js';
import { DEFECTS } from '../../demo/defects.js';
import { formatDefects, formatDemoGuide, formatHiddenReaders } from '../../demo/guide.js';
import { HIDDEN_READERS } from '../../demo/hidden-readers.js';
import { repairDemo, seedDemo } from '../../demo/seed.js';
import { formatDuration } from '../format.js';
import { reportFailure } from '../failures.js';
import { EXIT, type CliIo, type CommandRegistrar } from '../exit.js';
import { configOverrides, withConfigOptions, withListenOptions, type ConfigFlags } from '../options.js';
import { loadRuntime, openObservedService, serveUntilStopped } from '../runtime.js';

/** The check files shipped with parity, used when the working directory has no ./checks. */
const BUNDLED_CHECKS_DIR = path.join(PACKAGE_ROOT, 'checks');

interface DemoFlags extends ConfigFlags { reset?: boolean; repair?: boolean; serve: boolean }

/** Flags and PARITY_CHECKS_DIR win; otherwise ./checks, or the bundled checks when there is none. */
function demoConfig(io: CliIo, flags: DemoFlags): Config {
  const overrides = configOverrides(flags);
  if (overrides.checksDir === undefined && io.env.PARITY_CHECKS_DIR === undefined && !existsSync('checks')) {
    overrides.checksDir = BUNDLED_CHECKS_DIR;
  }
  return loadConfig(io.env, overrides);
}

export const registerDemo: CommandRegistrar = (program, io, setExit) => {
  withListenOptions(withConfigOptions(program
    .command('demo')
    .description(`seed the embedded demo (${DEMO_ROWS.toLocaleString('en-US')} users mid-migration, ${DEFECTS.length} planted defects) and serve it`)
    .option('--reset', 'drop and reseed the demo database (brings the defects back)')
    .option('--repair', 'fix exactly the planted defects and remove the hidden readers, so every demo check passes')
    .option('--no-serve', 'seed (and repair) only; do not start the server')))
    .action(async (flags: DemoFlags) => setExit(await demo(flags)));

  async function demo(flags: DemoFlags): Promise<number> {
    const say = (text = '') => io.stdout.write(`${text}\n`);
    let release: (() => Promise<void>) | undefined;
    try {
      const config = demoConfig(io, flags);
      // Check files first: a broken file should not cost a 100k-row seed.
      await loadCatalog(config.checksDir, io.env);
      const opening = performance.now();
      const { DEMO_DATABASE, openDemoDatabase } = await import('../../demo/database.js');
      const demoDb = await openDemoDatabase(config.dataDir);
      const openMs = Math.round(performance.now() - opening);
      release = demoDb.release;
      const seeded = await seedDemo(demoDb.exec, { reset: flags.reset ?? false });
      const where = `embedded:${DEMO_DATABASE} under ${config.dataDir}`;
      say(seeded.seeded
        ? `Seeded ${where}: ${(seeded.state.rows ?? DEMO_ROWS).toLocaleString('en-US')} users in ${formatDuration(seeded.durationMs)} (opening the database took ${formatDuration(openMs)}).`
        : `${where} is already seeded (${seeded.state.seededAt?.toISOString() ?? 'earlier'}); --reset reseeds it.`);
      let repaired = seeded.state.repairedAt !== undefined;
      if (flags.repair) {
        await repairDemo(demoDb.exec);
        repaired = true;
        say(`Repaired the ${DEFECTS.length} planted defects and removed the ${HIDDEN_READERS.length} hidden readers of the old shape; every demo check should pass now.`);
      } else if (!repaired) {
        say(`Planted defects (the demo checks report these ids; --repair fixes exactly them):\n${formatDefects()}`);
        say(`Hidden readers of the old shape (they keep the contract gate closed; --repair removes them):\n${formatHiddenReaders()}`);
      } else {
        say('The planted defects were repaired earlier; --reset brings them back.');
      }
      say(`Check files: ${config.checksDir}`);
      if (!flags.serve) {
        say(`Try: node bin/parity.js run${config.checksDir === 'checks' ? '' : ` --checks ${config.checksDir}`}${config.dataDir === '.parity' ? '' : ` --data-dir ${config.dataDir}`}`);
        return EXIT.ok;
      }
      const { createLogger } = await loadRuntime();
      const logger = createLogger({ destination: io.stderr, level: io.env.PARITY_LOG_LEVEL ?? 'warn' });
      const observed = await openObservedService(config, logger, io.env);
      try {
        // The service holds its own handle on the demo database now; ours is no longer needed.
        await release();
        release = undefined;
        await serveUntilStopped(observed, logger, (server) => say(`\n${formatDemoGuide(server.url, repaired)}`));
      } catch (error) {
        await observed.service.close().catch(() => {});
        await observed.telemetry.shutdown().catch(() => {});
        throw error;
      }
      return EXIT.ok;
    } catch (error) {
      const code = reportFailure(error, io);
      if (error instanceof DataDirLockedError) io.stderr.write('If that is the demo server, stop it (Ctrl-C) and run this again; the repair and your run history are kept.\n');
      return code;
    } finally {
      await release?.();
    }
  }
};

/** `parity serve`: the HTTP API until SIGINT/SIGTERM, then a graceful stop. */
import { loadConfig } from '../../config.js';
import type { RunningServer } from '../../http/server.js';
import type { Logger } from '../../logging/logger.js';
import type { Service } from '../../service.js';
import { reportFailure } from '../failures.js';
import { EXIT, type CommandRegistrar } from '../main.js';
import { configOverrides, withConfigOptions, withListenOptions, type ConfigFlags } from '../options.js';

/**
 * The composition root and everything behind it (drivers, PGlite, hono), imported on demand so
 * `parity validate` and `--help` start without loading them.
 */
export async function loadRuntime() {
  const [{ openService }, { createLogger }] = await Promise.all([import('../../service.js'), import('../../logging/logger.js')]);
  return { openService, createLogger };
}

/** How long open connections (streams, keep-alive) may delay the exit after runs have drained. */
const CONNECTION_GRACE_MS = 5_000;

/**
 * Serves until the first SIGINT/SIGTERM: stops accepting, lets running checks finish (their
 * results are recorded), closes the store and sources. A second signal exits at once.
 */
export async function serveUntilStopped(service: Service, logger: Logger, onListening?: (server: RunningServer) => void): Promise<void> {
  const { startServer } = await import('../../http/server.js');
  const { startScheduler, schedulerOptionsFromEnv } = await import('../../scheduler/scheduler.js');
  // Every replica runs the scheduler; the state store decides which one runs each slot.
  const scheduler = await startScheduler(service, { logger, ...schedulerOptionsFromEnv(process.env) });
  const server = await startServer(service, { logger });
  onListening?.(server);
  let stop!: (signal: NodeJS.Signals) => void;
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    stop = resolve;
    process.once('SIGINT', stop).once('SIGTERM', stop);
  });
  process.off('SIGINT', stop).off('SIGTERM', stop);
  const force = () => {
    logger.warn('second signal: exiting without waiting for running checks');
    process.exit(EXIT.couldNotVerify);
  };
  process.once('SIGINT', force).once('SIGTERM', force);
  logger.info({ signal }, 'shutting down: no new requests; waiting for running checks');
  const closing = server.close();
  await scheduler.stop();
  await service.runner.drain();
  // Long-lived streams would hold close() open forever; running work is done, so stop waiting.
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CONNECTION_GRACE_MS).unref())]);
  await service.close();
  process.off('SIGINT', force).off('SIGTERM', force);
  logger.info('stopped');
}

export const registerServe: CommandRegistrar = (program, io, setExit) => {
  withListenOptions(withConfigOptions(program
    .command('serve')
    .description('serve the HTTP API until SIGINT/SIGTERM (then finish running checks and exit 0)')))
    .action(async (flags: ConfigFlags) => {
      let service: Service | undefined;
      try {
        const config = loadConfig(io.env, configOverrides(flags));
        const { createLogger, openService } = await loadRuntime();
        const logger = createLogger({ destination: io.stdout, level: io.env.PARITY_LOG_LEVEL ?? 'info' });
        service = await openService(config, { logger, env: io.env });
        const catalog = service.catalog();
        logger.info({ checks: catalog.checks.size, sources: catalog.sources.size, migrations: catalog.migrations.size, store: service.store.driver }, 'catalog loaded');
        // Logged as text too: the logger masks every `url` field, and people (and tests) need the address.
        await serveUntilStopped(service, logger, (server) => logger.info({ port: server.port }, `parity listening on ${server.url}`));
        setExit(EXIT.ok);
      } catch (error) {
        await service?.close().catch(() => {});
        setExit(reportFailure(error, io));
      }
    });
};

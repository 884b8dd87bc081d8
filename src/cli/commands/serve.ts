/** `parity serve`: the HTTP API until SIGINT/SIGTERM, then a graceful stop. */
import { loadConfig } from '../../config/config.js';
import type { Service } from '../../service/service.js';
import { reportFailure } from '../failures.js';
import { EXIT, type CommandRegistrar } from '../exit.js';
import { loadRuntime, openObservedService, serveUntilStopped } from '../runtime.js';
import { configOverrides, withConfigOptions, withListenOptions, type ConfigFlags } from '../options.js';

export const registerServe: CommandRegistrar = (program, io, setExit) => {
  withListenOptions(withConfigOptions(program
    .command('serve')
    .description('serve the HTTP API until SIGINT/SIGTERM (then finish running checks and exit 0)')))
    .action(async (flags: ConfigFlags) => {
      let service: Service | undefined;
      try {
        const config = loadConfig(io.env, configOverrides(flags));
        const { createLogger } = await loadRuntime();
        const logger = createLogger({ destination: io.stdout, level: io.env.PARITY_LOG_LEVEL ?? 'info' });
        const observed = await openObservedService(config, logger, io.env);
        service = observed.service;
        const catalog = service.catalog();
        logger.info({ checks: catalog.checks.size, sources: catalog.sources.size, migrations: catalog.migrations.size, store: service.store.driver }, 'catalog loaded');
        await serveUntilStopped(observed, logger);
        setExit(EXIT.ok);
      } catch (error) {
        await service?.close().catch(() => {});
        setExit(reportFailure(error, io));
      }
    });
};

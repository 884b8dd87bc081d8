/** What serve and demo share: the lazily loaded composition root, the observed service, a graceful stop. */
import type { Config } from '../config/config.js';
import type { RunningServer } from '../http/server.js';
import type { Logger } from '../logging/logger.js';
import type { Service } from '../service/service.js';
import { EXIT } from './exit.js';

/**
 * The composition root and everything behind it (drivers, PGlite, hono), imported on demand so
 * `parity validate` and `--help` start without loading them.
 */
export async function loadRuntime() {
  const [{ openService }, { createLogger, createDeferredLogger }] = await Promise.all([import('../service/service.js'), import('../logging/logger.js')]);
  return { openService, createLogger, createDeferredLogger };
}

/** What serve and demo run: the service plus its metrics and run-event stream. */
export interface ObservedService {
  service: Service;
  telemetry: import('../telemetry/telemetry.js').Telemetry;
  runEvents: import('../events/run-event-hub.js').RunEventHub;
}

/** Opens the service with telemetry observing every run and gate decision (for serve and demo). */
export async function openObservedService(config: Config, logger: Logger, env: Record<string, string | undefined>): Promise<ObservedService> {
  const [{ openService }, { createTelemetry }, { createRunEventHub }, { recordGateDecision, recordCatalogLoad }] = await Promise.all([
    import('../service/service.js'), import('../telemetry/telemetry.js'), import('../events/run-event-hub.js'), import('../telemetry/recorders.js'),
  ]);
  const telemetry = createTelemetry({ env, logger });
  const runEvents = createRunEventHub();
  try {
    const service = await openService(config, {
      logger, env, observers: [telemetry.observer, runEvents.observer], onGateDecision: recordGateDecision,
      onCatalogLoad: (status) => recordCatalogLoad(status.valid),
    });
    recordCatalogLoad(true);
    await telemetry.attach(service);
    return { service, telemetry, runEvents };
  } catch (error) {
    await telemetry.shutdown().catch(() => {});
    throw error;
  }
}

/** How long open connections (streams, keep-alive) may delay the exit after runs have drained. */
const CONNECTION_GRACE_MS = 5_000;

/**
 * Serves until the first SIGINT/SIGTERM: stops accepting, lets running checks finish (their
 * results are recorded), closes the store and sources. A second signal exits at once. While
 * serving, the check files are reloaded on SIGHUP and when they change on disk, and readiness is
 * probed on a timer (GET /readyz answers from the last probe).
 */
export async function serveUntilStopped(observed: ObservedService, logger: Logger, onListening?: (server: RunningServer) => void): Promise<void> {
  const { service, telemetry, runEvents } = observed;
  const { startServer } = await import('../http/server.js');
  const { startScheduler, schedulerOptionsFromEnv } = await import('../scheduler/scheduler.js');
  const { recordSchedulerPass, recordRunAborted } = await import('../telemetry/recorders.js');
  // Every replica runs the scheduler; the state store decides which one runs each slot.
  const scheduler = await startScheduler(service, {
    logger, ...schedulerOptionsFromEnv(process.env),
    onPass: (actions, at) => recordSchedulerPass(actions, at),
    onRunsAborted: (count) => recordRunAborted(count),
  });
  const { watchCheckFiles } = await import('../service/watch-check-files.js');
  const onHangup = () => {
    logger.info({ trigger: 'SIGHUP' }, 'reloading the check files');
    // The service logs the outcome; files that do not load leave the last good catalog in use.
    service.reload().catch(() => {});
  };
  process.on('SIGHUP', onHangup);
  // Only changed files reload: the fingerprint comparison makes a spurious event a no-op.
  const stopWatching = watchCheckFiles(service.config.checksDir, () => service.ensureCurrentCatalog(), { logger });
  service.readiness.start();
  // Other replicas' and CLI runs' results reach this server's gate cache through the store's change feed.
  service.store.followOtherWriters();
  const server = await startServer(service, { logger, extraDeps: { telemetry, runEvents } });
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
  process.off('SIGHUP', onHangup);
  stopWatching();
  service.readiness.stop();
  const closing = server.close();
  await scheduler.stop();
  await service.runner.drain();
  // Long-lived streams would hold close() open forever; running work is done, so stop waiting.
  await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CONNECTION_GRACE_MS).unref())]);
  await service.close();
  await telemetry.shutdown().catch((error: unknown) => logger.warn({ err: error }, 'telemetry did not shut down cleanly'));
  process.off('SIGINT', force).off('SIGTERM', force);
  logger.info('stopped');
}

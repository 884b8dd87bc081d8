/** Structured logs (pino) with secrets scrubbed from every line. */
import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';
import { redact, redactDeep } from './secrets.js';

export type { Logger };

/** pino, loaded on first use: it costs a one-shot `parity run` ~30 ms to load, and a run that logs nothing never needs it. */
let loaded: typeof Pino | undefined;
const loadPino = (): typeof Pino => (loaded ??= (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino);

interface LoggerOptions { level?: string; destination?: NodeJS.WritableStream }

const levelOf = (options: LoggerOptions) => options.level ?? process.env.PARITY_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');

/** Creates the process logger; `PARITY_LOG_LEVEL` sets the level (default info; silent in tests). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const pino = loadPino();
  return pino(
    {
      name: 'parity',
      level: levelOf(options),
      // URLs are not blanked wholesale: redactDeep below scrubs the password out of any DSN.
      redact: { paths: ['password', 'token', 'authorization', '*.password', '*.authorization'], censor: '***' },
      // Level names and ISO-8601 times: what log pipelines (Loki, CloudWatch, jq) read without a mapping.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: (object) => redactDeep(object) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    (options.destination ?? process.stdout) as Pino.DestinationStream,
  );
}

/** pino's level numbers (its defaults; parity adds no custom levels). */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY };
type LevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * The same logger for a command that usually logs nothing (`parity run` at its default `warn`):
 * pino is loaded, and the logger made, only when a line at an enabled level is first written.
 * It offers what parity's code calls (the level methods, `child`, `isLevelEnabled`, `level`);
 * an unknown level makes the real logger at once, so it is refused as createLogger refuses it.
 */
export function createDeferredLogger(options: LoggerOptions = {}): Logger {
  const level = levelOf(options);
  if (!(level in LEVELS)) return createLogger(options);
  // Each facade makes its logger (the root, or a child of its parent's) once, on its first line.
  const facade = (target: () => Logger): Logger => {
    let own: Logger | undefined;
    const real = () => (own ??= target());
    const write = (name: LevelName) => (...args: unknown[]) => {
      if (LEVELS[name]! >= LEVELS[level]!) (real()[name] as (...a: unknown[]) => void)(...args);
    };
    return {
      level,
      trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), fatal: write('fatal'),
      isLevelEnabled: (name: string) => (LEVELS[name] ?? Number.POSITIVE_INFINITY) >= LEVELS[level]!,
      child: (bindings: Record<string, unknown>) => facade(() => real().child(bindings)),
    } as unknown as Logger;
  };
  return facade(() => createLogger({ ...options, level }));
}

/** Structured logs (pino) with secrets scrubbed from every line. */
import { pino, type Logger } from 'pino';
import { redact, redactDeep } from './secrets.js';

export type { Logger };

/** Creates the process logger; `PARITY_LOG_LEVEL` sets the level (default info; silent in tests). */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.PARITY_LOG_LEVEL ?? (process.env.VITEST ? 'silent' : 'info');
  return pino(
    {
      name: 'parity',
      level,
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
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}

/** Flags every command that loads configuration shares, turned into loadConfig overrides. */
import { InvalidArgumentError, type Command } from 'commander';
import type { ConfigOverrides } from '../config/config.js';

export interface ConfigFlags {
  checks?: string;
  dataDir?: string;
  databaseUrl?: string;
  host?: string;
  port?: number;
}

/** Adds --checks, --data-dir and --database-url (flags win over PARITY_* environment variables). */
export function withConfigOptions(command: Command): Command {
  return command
    .option('--checks <dir>', 'directory of check files (default: $PARITY_CHECKS_DIR or ./checks)')
    .option('--data-dir <dir>', 'embedded state and embedded sources (default: $PARITY_DATA_DIR or ./.parity)')
    .option('--database-url <url>', 'keep state in this Postgres instead of the data directory (default: $DATABASE_URL)');
}

/** Adds --host and --port for commands that listen. */
export function withListenOptions(command: Command): Command {
  return command
    .option('--host <host>', 'interface to listen on (default: $PARITY_HOST or 127.0.0.1)')
    .option('--port <port>', 'port to listen on; 0 picks a free one (default: $PARITY_PORT or 8080)', parsePort);
}

/** Commander argument parser for ports: an integer 0–65535. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return port;
}

/** Collects a repeatable option (`--tag a --tag b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The loadConfig overrides the flags amount to; unset flags leave the environment in charge. */
export function configOverrides(flags: ConfigFlags): ConfigOverrides {
  return {
    checksDir: flags.checks,
    dataDir: flags.dataDir,
    databaseUrl: flags.databaseUrl,
    host: flags.host,
    port: flags.port,
  };
}

/**
 * Process configuration from the environment (and CLI flags, which win). The environment is an
 * argument and every problem is reported at once; the one side effect is registering secrets
 * (tokens, URLs) with the log redactor, and the instance id defaults to this host's name.
 */
import { hostname } from 'node:os';
import { registerSecret } from '../logging/secrets.js';
import { parseDuration } from '../checkfile/duration.js';

export type Scope = 'read' | 'run';

export interface ApiToken {
  /** Recorded as "who asked" on runs and gate decisions. */
  name: string;
  token: string;
  scopes: Set<Scope>;
}

export interface Config {
  checksDir: string;
  dataDir: string;
  /**
   * Whether --data-dir or PARITY_DATA_DIR named the data directory. A one-shot `parity run` keeps
   * its state in the embedded store only then (or on DATABASE_URL); otherwise in memory.
   */
  dataDirChosen?: boolean;
  /** State store on Postgres; absent → embedded PGlite under dataDir. */
  databaseUrl?: string | undefined;
  host: string;
  port: number;
  apiTokens: ApiToken[];
  instanceId: string;
  checkConcurrency: number;
  /**
   * PARITY_GATE_EVIDENCE_TTL: the longest a gate answer may rest on results read earlier when no
   * change was heard (default 1s; 0s reads the store on every answer). See docs/gates.md.
   */
  gateEvidenceTtlMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ConfigOverrides {
  checksDir?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  host?: string | undefined;
  port?: number | string | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const SCOPES: readonly Scope[] = ['read', 'run'];

/** Parses PARITY_API_TOKENS: comma-separated `name:token:scope+scope` entries. */
export function parseApiTokens(text: string | undefined, problems: string[]): ApiToken[] {
  if (!text || text.trim() === '') return [];
  const tokens: ApiToken[] = [];
  text.split(',').map((s) => s.trim()).filter(Boolean).forEach((entry, index) => {
    const parts = entry.split(':');
    if (parts.length !== 3) {
      problems.push(`PARITY_API_TOKENS entry ${index + 1} must be name:token:scopes (scopes: read, run, or read+run)`);
      return;
    }
    const [name, token, scopeText] = parts as [string, string, string];
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) problems.push(`PARITY_API_TOKENS entry ${index + 1}: name "${name}" must be letters, digits, ".", "_" or "-"`);
    if (token.length < 16) problems.push(`PARITY_API_TOKENS entry ${index + 1} ("${name}"): tokens must be at least 16 characters`);
    const scopes = new Set<Scope>();
    for (const scope of scopeText.split('+')) {
      if ((SCOPES as readonly string[]).includes(scope)) scopes.add(scope as Scope);
      else problems.push(`PARITY_API_TOKENS entry ${index + 1} ("${name}"): unknown scope "${scope}"; allowed: ${SCOPES.join(', ')}`);
    }
    // Running checks implies seeing their results.
    if (scopes.has('run')) scopes.add('read');
    registerSecret(token);
    tokens.push({ name, token, scopes });
  });
  return tokens;
}

/** Builds the configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>, overrides: ConfigOverrides = {}): Config {
  const problems: string[] = [];
  const apiTokens = parseApiTokens(env.PARITY_API_TOKENS, problems);
  const portText = overrides.port ?? env.PARITY_PORT ?? env.PORT ?? '8080';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) problems.push(`port "${portText}" must be an integer from 0 to 65535`);
  const host = overrides.host ?? env.PARITY_HOST ?? '127.0.0.1';
  if (apiTokens.length === 0 && !LOOPBACK.has(host)) {
    problems.push(`refusing to listen on ${host} without API tokens: set PARITY_API_TOKENS, or keep the default loopback host`);
  }
  const concurrencyText = env.PARITY_CHECK_CONCURRENCY ?? '4';
  const checkConcurrency = Number(concurrencyText);
  if (!Number.isInteger(checkConcurrency) || checkConcurrency < 1 || checkConcurrency > 64) problems.push(`PARITY_CHECK_CONCURRENCY "${concurrencyText}" must be an integer from 1 to 64`);
  const databaseUrl = overrides.databaseUrl ?? (env.DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  const ttlText = env.PARITY_GATE_EVIDENCE_TTL || '1s';
  const gateEvidenceTtlMs = parseDuration(ttlText);
  if (gateEvidenceTtlMs === undefined || gateEvidenceTtlMs > 60_000) problems.push(`PARITY_GATE_EVIDENCE_TTL "${ttlText}" must be a duration from 0s to 60s, e.g. 1s`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    checksDir: overrides.checksDir ?? env.PARITY_CHECKS_DIR ?? 'checks',
    dataDir: overrides.dataDir ?? env.PARITY_DATA_DIR ?? '.parity',
    dataDirChosen: (overrides.dataDir ?? env.PARITY_DATA_DIR) !== undefined,
    databaseUrl,
    host,
    port,
    apiTokens,
    instanceId: env.PARITY_INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    checkConcurrency,
    gateEvidenceTtlMs: gateEvidenceTtlMs!,
  };
}

/** Source declarations: where verified data lives, and how gently parity may read it. */
import { z } from 'zod';
import { durationSchema, timeoutSchema } from './common.js';
import { MAX_EVIDENCE_AGE_MS } from './duration.js';
import { parsePostgresUrl, resolveTarget, SECRET_KEY, type Env, type ResolvedTarget } from './target.js';

export const EMBEDDED_PREFIX = 'embedded:';

export const sourceUrlSchema = z.string().superRefine((url, ctx) => {
  if (url.startsWith(EMBEDDED_PREFIX)) {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(url.slice(EMBEDDED_PREFIX.length))) {
      ctx.addIssue({ code: 'custom', message: 'embedded source names are lower-case letters, digits, "_" or "-", e.g. embedded:demo' });
    }
    return;
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    ctx.addIssue({ code: 'custom', message: `url must start with postgres://, postgresql:// or embedded: (got "${describeUrl(url)}")` });
  }
});

/**
 * How parity scans big tables on this source. `single`: one statement per scan (fastest; one
 * long-ish statement). `chunked`: keyset-paginated primary-key ranges, each its own short
 * statement and transaction, sized toward target_chunk_ms with pause_ms between chunks, so vacuum
 * is never held back and production traffic keeps its share. `snapshot: consistent` runs all chunks
 * in one REPEATABLE READ transaction instead: consistent counts, but it holds back vacuum for the
 * whole scan. `max_parallel_workers` caps the parallel workers a count scan may use (the server's
 * max_parallel_workers_per_gather for parity's scan statements); 0 keeps each scan to one backend,
 * the gentle choice beside latency-sensitive traffic. Unset: the server's own setting.
 * `resume_max_age`: a chunked scan records its progress after every chunk; a run that was
 * interrupted is resumed from there by the next run of the same scan, unless the interrupted scan
 * began longer ago than this (its counts would be older evidence than the run claims). 0: never resume.
 */
const MAX_PAUSE_MS = 60_000;

export const scanSettingsSchema = z.strictObject({
  mode: z.enum(['single', 'chunked']).default('single'),
  chunk_rows: z.number().int().min(100).max(10_000_000).default(50_000),
  target_chunk_ms: durationSchema.default(500),
  // Between chunks; a pause of days would leave a scan, and every check waiting on it, unfinished.
  pause_ms: durationSchema.default(50).refine((ms) => ms <= MAX_PAUSE_MS, { message: 'must be at most 1m: longer pauses between chunks leave a scan unfinished for days' }),
  snapshot: z.enum(['none', 'consistent']).default('none'),
  max_parallel_workers: z.number().int().min(0).max(64).optional(),
  resume_max_age: durationSchema.default(86_400_000).refine((ms) => ms <= MAX_EVIDENCE_AGE_MS, { message: 'must be at most 366d: a result resumed on chunks older than that says nothing about the data now (a bare number is milliseconds)' }),
});
export type ScanSettings = z.output<typeof scanSettingsSchema>;

export const sourceSpecSchema = z.strictObject({
  url: sourceUrlSchema,
  description: z.string().max(2000).optional(),
  /** Per statement; parity's reads are cut off rather than allowed to run long on production. */
  statement_timeout: timeoutSchema.default(30_000),
  /** Short on purpose: parity waits behind a DDL lock only briefly, then reports an error. */
  lock_timeout: timeoutSchema.default(1_000),
  /** Connections parity may hold to this source, and so the statements it runs there at once. */
  max_connections: z.number().int().min(1).max(64).default(4),
  scan: scanSettingsSchema.prefault({}),
  /**
   * Turns the least-privilege preflight's warnings (superuser, write privileges on a table, file or
   * program roles) into an `error` result — could not verify — for every check on this source.
   */
  require_least_privilege: z.boolean().default(false),
  /**
   * On a standby: the replay lag above which a check reading this source is an `error` (could not
   * verify) instead of a finding about stale data. Read before and after each check's reads.
   */
  max_replica_lag: durationSchema.refine((ms) => ms <= MAX_EVIDENCE_AGE_MS, { message: 'must be at most 366d: a standby further behind says nothing about the data now (a bare number is milliseconds)' }).optional(),
});
export type SourceSpec = z.output<typeof sourceSpecSchema>;

/** The URL without secrets, safe to show: multi-host lists included; an unparseable URL shows only its scheme. */
export function describeUrl(url: string): string {
  if (url.startsWith(EMBEDDED_PREFIX)) return url;
  const parsed = parsePostgresUrl(url);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  if ('error' in parsed) return `${scheme}<unparseable url>`;
  const user = parsed.username ? `${encodeURIComponent(parsed.username)}${parsed.password ? ':***' : ''}@` : parsed.password ? ':***@' : '';
  const hosts = parsed.multihost ?? `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}`;
  const query = parsed.query.map(([k, v]) => `${encodeURIComponent(k)}=${SECRET_KEY.test(k) ? '***' : encodeURIComponent(v)}`).join('&');
  return `${scheme}${user}${hosts}${parsed.pathname}${query ? `?${query}` : ''}`;
}

/** Secret values inside a URL (password, sensitive query parameters), for redaction. */
export function secretsInUrl(url: string): string[] {
  if (url.startsWith(EMBEDDED_PREFIX)) return [];
  const parsed = parsePostgresUrl(url);
  if ('error' in parsed) {
    // An unparseable URL may still hold a password: redact everything between the user and the last "@".
    const match = /:\/\/[^:/@]*:(.*)@/.exec(url);
    return match?.[1] ? [match[1]] : [];
  }
  const raw = /:\/\/[^:/@]*:([^@]*)@/.exec(url)?.[1];
  const secrets = [parsed.password, ...(raw ? [raw] : [])];
  for (const [key, value] of parsed.query) if (SECRET_KEY.test(key)) secrets.push(value);
  return secrets.filter((s) => s.length >= 3);
}

/**
 * What a source's definition-hash identity is: the embedded name, or the resolved target (every
 * host and port, database, user, session attributes, startup parameters; never the password).
 */
export function sourceIdentity(url: string, env: Env, osUser?: string): { identity: string | ResolvedTarget } | { error: string } {
  if (url.startsWith(EMBEDDED_PREFIX)) return { identity: url };
  const target = resolveTarget(url, env, osUser);
  return 'error' in target ? target : { identity: target };
}

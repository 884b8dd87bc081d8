/**
 * Which server, database and role a postgres:// URL really reaches, resolved exactly as the
 * driver (postgres.js 3.4) resolves it: multi-host lists, the PG* environment variables, the
 * defaults (host localhost, port 5432, database = user), and query parameters, which postgres.js
 * sends as startup parameters (so `?user=` and `?database=` override the URL's). Pure: the
 * environment is passed in. The definition hash covers this target, never a placeholder.
 */
import { createHash } from 'node:crypto';
import { PINNED_SETTINGS } from '../sql/pinned-settings.js';

/** One server parity may connect to (postgres.js tries them in order). */
export interface TargetHost { host: string; port: number }

/** The resolved identity of a source: everything that decides which data is read, and no secret. */
export interface ResolvedTarget {
  hosts: TargetHost[];
  database: string;
  user: string;
  /** target_session_attrs (primary, standby, …) picks among hosts; null when unset. */
  target_session_attrs: string | null;
  /** Other startup parameters from the query string (search_path, options, …), sorted by name; secrets left out. */
  parameters: [string, string][];
  /**
   * Custom settings (a dotted name) whose name looks like a secret (SECRET_KEY), sorted by name,
   * each with a digest of its value, never the value: a custom setting (`app.tenant_key`) reaches the server
   * like any other, and a view that reads it (`current_setting('app.tenant_key')`) shows other rows
   * for another value, so an edit of it is another target. Absent when there are none (so targets
   * without them keep their hash).
   */
  secret_parameters?: [string, string][];
}

/** A value's stand-in in a target: equal values, equal digests; the value cannot be read back from it. */
function digestOf(value: string): string {
  return `sha256:${createHash('sha256').update(`parity startup parameter\0${value}`).digest('hex')}`;
}

export type Env = Record<string, string | undefined>;

/**
 * Startup parameters every read transaction sets again before its first statement (PINNED_SETTINGS,
 * the per-read timeouts, the abbreviation set): in a URL they change neither the server reached nor
 * anything parity reads there, so two URLs differing only in them reach one target the same way.
 */
const RESET_BY_EVERY_READ = new Set([...Object.keys(PINNED_SETTINGS), 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout', 'timezone_abbreviations'].map((name) => name.toLowerCase()));

/**
 * A source's identity (an embedded name or a resolved target) as the rules that ask "do two names
 * read the same data?" compare it: without the parameters every read sets again (the server matches
 * setting names in any case). `?application_name=legacy` and `?application_name=app` are one
 * target, so a row_count of one table through both compares it with itself, and a gate judges
 * the two names as one source. The definition hash still covers the whole target.
 */
export function readIdentity<T>(identity: T): T {
  if (typeof identity !== 'object' || identity === null || !Array.isArray((identity as Partial<ResolvedTarget>).parameters)) return identity;
  const target = identity as unknown as ResolvedTarget;
  return { ...target, parameters: target.parameters.filter(([key]) => !RESET_BY_EVERY_READ.has(key.toLowerCase())) } as unknown as T;
}

/**
 * Which server a source's identity reaches, as the gate's server rule groups names: hosts and
 * ports (in order), database and target_session_attrs. The role and the startup parameters decide
 * what is read there, not where: `legacy` with `?search_path=legacy` and `app` on the same database
 * reach one server, so a check through either shows what both reach now. Embedded names as they are.
 */
export function serverReach<T>(identity: T): T | { hosts: TargetHost[]; database: string; target_session_attrs: string | null } {
  if (typeof identity !== 'object' || identity === null || !Array.isArray((identity as Partial<ResolvedTarget>).hosts)) return identity;
  const { hosts, database, target_session_attrs } = identity as unknown as ResolvedTarget;
  return { hosts, database, target_session_attrs };
}

/** Query keys postgres.js treats as driver options; every other key becomes a startup parameter. */
const DRIVER_OPTIONS = new Set(['max', 'ssl', 'sslmode', 'sslnegotiation', 'idle_timeout', 'connect_timeout', 'max_lifetime', 'max_pipeline', 'backoff', 'keep_alive', 'prepare', 'debug', 'fetch_types', 'publications', 'target_session_attrs']);
const LIBPQ_ONLY = new Set(['host', 'hostaddr', 'port', 'dbname', 'service', 'passfile']);
const SESSION_ATTRS = ['read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];
/** Query keys whose values are secrets: never hashed, never shown. */
export const SECRET_KEY = /pass|secret|token|key/i;

/**
 * Whether a query parameter would replace a setting parity sends every connection itself:
 * `client_encoding=UTF8` (the driver decodes every row as UTF-8) and `default_transaction_read_only=on`.
 * postgres.js sends query parameters over both — an empty value deletes the setting — and the
 * server matches setting names without regard to case. In `options` the server reads "-" in a
 * name as "_" and drops a backslash before any character, so those spellings are caught too.
 */
function ownSettingIn(key: string, value: string): 'client_encoding' | 'read_only' | undefined {
  // `options` as the server reads its setting names: escapes dropped, "-" as "_", any case.
  const text = key === 'options' ? value.replace(/\\(.)/g, '$1').replaceAll('-', '_').toLowerCase() : '';
  if (/client.?encoding/i.test(key) || text.includes('client_encoding')) return 'client_encoding';
  if (/read.?only/i.test(key) || text.includes('read_only')) return 'read_only';
  return undefined;
}

interface ParsedUrl { username: string; password: string; hostname: string; port: string; pathname: string; query: [string, string][]; multihost: string | null }

/** postgres.js's parseUrl, step for step (it rewrites a multi-host list to its first host for WHATWG URL). */
export function parsePostgresUrl(url: string): ParsedUrl | { error: string } {
  let host = url.slice(url.indexOf('://') + 3).split(/[?/]/)[0] ?? '';
  try {
    host = decodeURIComponent(host.slice(host.indexOf('@') + 1));
    const parsed = new URL(url.replace(host, host.split(',')[0]!));
    return {
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      hostname: parsed.hostname,
      port: parsed.port,
      pathname: parsed.pathname,
      query: [...parsed.searchParams],
      multihost: host.includes(',') ? host : null,
    };
  } catch {
    return { error: 'url cannot be parsed as postgres://user@host:port/database?param=value (percent-encode special characters)' };
  }
}

/** Resolves a postgres:// URL to its target the way the driver will; `osUser` is the driver's last resort for the user. */
export function resolveTarget(url: string, env: Env, osUser?: string): ResolvedTarget | { error: string } {
  const parsed = parsePostgresUrl(url);
  if ('error' in parsed) return parsed;
  // Later keys win, as in postgres.js's reduce over searchParams.
  const query = new Map<string, string>();
  for (const [key, value] of parsed.query) query.set(key, value);
  const hostList = parsed.multihost || parsed.hostname || env.PGHOST || 'localhost';
  const defaultPort = parsed.port || env.PGPORT || '5432';
  const hosts: TargetHost[] = [];
  for (const entry of hostList.split(',')) {
    const [host = '', portText] = entry.split(':');
    const port = Number.parseInt(portText || defaultPort, 10);
    if (host === '') return { error: `url names an empty host in "${hostList}"` };
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `url (or PGPORT) gives host "${host}" no valid port` };
    hosts.push({ host, port });
  }
  const baseUser = parsed.username || env.PGUSERNAME || env.PGUSER || osUser || env.USERNAME || env.USER || env.LOGNAME;
  if (!baseUser) return { error: 'url names no user, and neither PGUSER nor the operating-system user is set' };
  const baseDatabase = parsed.pathname.slice(1) || env.PGDATABASE || baseUser;
  // postgres.js drops startup parameters with empty values, so `?user=` changes nothing.
  const parameters = [...query].filter(([key, value]) => !DRIVER_OPTIONS.has(key) && value !== '');
  // libpq reads these from the query string; postgres.js does not (it would send them to the server as settings).
  const libpqOnly = parameters.find(([key]) => LIBPQ_ONLY.has(key));
  if (libpqOnly) return { error: `url parameter "${libpqOnly[0]}" is not read by parity's driver (postgres.js); write hosts, ports and the database in the URL itself: postgres://user@host1:5432,host2:5432/database` };
  // Judged before empty values are dropped: an empty value deletes the setting parity sent.
  for (const [key, value] of query) {
    const setting = ownSettingIn(key, value);
    if (setting === 'client_encoding') return { error: `url parameter "${key}" would change the client_encoding parity reads in; parity always reads as UTF8 (in another encoding, or none, letters the driver cannot decode all read as one replacement character, so different values compare equal)` };
    if (setting === 'read_only') return { error: `url parameter "${key}" would change read-only settings; parity keeps every session read-only` };
  }
  const attrs = query.get('target_session_attrs') || env.PGTARGETSESSIONATTRS || null;
  if (attrs && !SESSION_ATTRS.includes(attrs)) return { error: `target_session_attrs "${attrs}" is not one of ${SESSION_ATTRS.join(', ')}` };
  const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0);
  const settings = parameters.filter(([key]) => key !== 'user' && key !== 'database');
  // A secret-looking name with a dot is a custom setting a view may read; one without is either a
  // built-in setting no read depends on (password_encryption) or one the server refuses to connect
  // with (`?password=`): those are left out, so rotating them changes nothing.
  const secret = settings.filter(([key]) => SECRET_KEY.test(key) && key.includes('.')).map(([key, value]): [string, string] => [key, digestOf(value)]).sort(byName);
  return {
    hosts,
    // Startup parameters reach the server after the driver's own user/database, so they win.
    database: query.get('database') || baseDatabase,
    user: query.get('user') || baseUser,
    target_session_attrs: attrs,
    parameters: settings.filter(([key]) => !SECRET_KEY.test(key)).sort(byName),
    ...(secret.length > 0 ? { secret_parameters: secret } : {}),
  };
}

/** The target in words, for logs and the API: `user@host:port,host:port/database`. */
export function describeTarget(target: ResolvedTarget): string {
  const query = [...(target.target_session_attrs ? [['target_session_attrs', target.target_session_attrs]] : []), ...target.parameters];
  const hidden = (target.secret_parameters ?? []).map(([k]) => `${k}=***`);
  const shown = [...query.map(([k, v]) => `${k}=${encodeURIComponent(v!)}`), ...hidden];
  const suffix = shown.length > 0 ? `?${shown.join('&')}` : '';
  return `postgres://${encodeURIComponent(target.user)}@${target.hosts.map((h) => `${h.host}:${h.port}`).join(',')}/${encodeURIComponent(target.database)}${suffix}`;
}

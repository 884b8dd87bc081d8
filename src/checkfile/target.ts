/**
 * Which server, database and role a postgres:// URL really reaches, resolved exactly as the
 * driver (postgres.js 3.4) resolves it: multi-host lists, the PG* environment variables, the
 * defaults (host localhost, port 5432, database = user), and query parameters, which postgres.js
 * sends as startup parameters (so `?user=` and `?database=` override the URL's). Pure: the
 * environment is passed in. The definition hash covers this target, never a placeholder.
 */

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
}

export type Env = Record<string, string | undefined>;

/** Query keys postgres.js treats as driver options; every other key becomes a startup parameter. */
const DRIVER_OPTIONS = new Set(['max', 'ssl', 'sslmode', 'sslnegotiation', 'idle_timeout', 'connect_timeout', 'max_lifetime', 'max_pipeline', 'backoff', 'keep_alive', 'prepare', 'debug', 'fetch_types', 'publications', 'target_session_attrs']);
const LIBPQ_ONLY = new Set(['host', 'hostaddr', 'port', 'dbname', 'service', 'passfile']);
const SESSION_ATTRS = ['read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];
/** Query keys whose values are secrets: never hashed, never shown. */
export const SECRET_KEY = /pass|secret|token|key/i;

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
  const readOnlyOverride = parameters.find(([key, value]) => /read_only/i.test(key) || (key === 'options' && /read_only/i.test(value)));
  if (readOnlyOverride) return { error: `url parameter "${readOnlyOverride[0]}" would change read-only settings; parity keeps every session read-only` };
  const attrs = query.get('target_session_attrs') || env.PGTARGETSESSIONATTRS || null;
  if (attrs && !SESSION_ATTRS.includes(attrs)) return { error: `target_session_attrs "${attrs}" is not one of ${SESSION_ATTRS.join(', ')}` };
  return {
    hosts,
    // Startup parameters reach the server after the driver's own user/database, so they win.
    database: query.get('database') || baseDatabase,
    user: query.get('user') || baseUser,
    target_session_attrs: attrs,
    parameters: parameters.filter(([key]) => key !== 'user' && key !== 'database' && !SECRET_KEY.test(key)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  };
}

/** The target in words, for logs and the API: `user@host:port,host:port/database`. */
export function describeTarget(target: ResolvedTarget): string {
  const query = [...(target.target_session_attrs ? [['target_session_attrs', target.target_session_attrs]] : []), ...target.parameters];
  const suffix = query.length > 0 ? `?${query.map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&')}` : '';
  return `postgres://${encodeURIComponent(target.user)}@${target.hosts.map((h) => `${h.host}:${h.port}`).join(',')}/${encodeURIComponent(target.database)}${suffix}`;
}

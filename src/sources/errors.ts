/** Driver errors → a stable fault code. A fault means "could not verify": never a pass. */
import { redact } from '../logging/secrets.js';
import { Fault, type FaultInfo } from '../results/fault.js';
import { standInsOf } from './pinning.js';

/** A statement that failed on a source, with the SQL that failed and the driver error as cause. */
export class SourceQueryError extends Fault {
  override readonly name = 'SourceQueryError';
  constructor(readonly source: string, readonly sql: string, fault: FaultInfo, options: { cause: unknown }) {
    super(fault, options);
    this.message = `${fault.code} on source "${source}": ${fault.message}`;
  }
}

const BY_SQLSTATE: Record<string, string> = {
  '57014': 'timeout',
  '55P03': 'lock_timeout',
  '42P01': 'missing_relation',
  '3F000': 'missing_relation',
  '42703': 'missing_column',
  '25006': 'read_only_violation',
  '42501': 'permission_denied',
  '57P01': 'connection',
  '57P02': 'connection',
  '57P03': 'connection',
  '3D000': 'connection',
  '28P01': 'connection',
  '28000': 'connection',
};

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED']);

/**
 * Whether a driver error means the connection itself is gone: the classifier's connection codes,
 * a FATAL or PANIC (the backend ended: 57P01 terminated, 57P02/57P03 shutdown) or class 08.
 */
export function isConnectionLost(error: unknown): boolean {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (severity === 'FATAL' || severity === 'PANIC') return true;
  return typeof code === 'string' && (code.startsWith('08') || CONNECTION_CODES.has(code));
}

/** Classifies a driver error (postgres.js or PGlite) into a FaultInfo with a redacted message. */
export function classifyError(error: unknown, cancelled = false): FaultInfo {
  const e = error as { code?: unknown; message?: unknown; errno?: unknown };
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = redact(typeof e?.message === 'string' ? e.message : String(error));
  const standIns = standInsOf(error);
  if (standIns !== undefined) {
    return {
      code: 'stand_in_code',
      message: redact(`the database holds code a read would run without naming it: ${standIns}. A function or operator on the role's search_path (or made inside pg_catalog) answers for the built-in of that name when its argument types match better, a function, operator, type or relation there named like an installed extension's answers for it inside that extension's own code (which looks its names up through the same path: the role's own "$user" schema comes first on the default one), a cast's function runs on every cast between its types, a domain's CHECK on every value cast to the domain (through arrays, domains over it and composites holding it too), an operator family's operators and functions wherever values of its types are compared, sorted or grouped (whatever the search_path), and a type's or range type's own functions wherever its values are read; a user's function there (an extension's object counts as installed only when a superuser owns it, not one its owner added with ALTER EXTENSION … ADD), an extension's volatile one, a built-in a read may not call (dblink, advisory locks, set_config…) or a built-in whose definition was replaced could write, lock or answer for the built-in, so parity reads nothing in that database. Take its schema off the role's search_path (or the URL's options=-c search_path=…), or drop the cast, CHECK, operator class or type`),
    };
  }
  if (cancelled) return { code: 'cancelled', message: 'cancelled before the check finished', ...(code && /^[0-9A-Z]{5}$/.test(code) ? { sqlstate: code } : {}) };
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const mapped = BY_SQLSTATE[code] ?? (code.startsWith('08') ? 'connection' : code.startsWith('42') ? 'invalid_sql' : code.startsWith('22') ? 'data_exception' : code.startsWith('53') ? 'resources' : 'query_failed');
    return { code: mapped, message, sqlstate: code };
  }
  if (code && CONNECTION_CODES.has(code)) return { code: 'connection', message };
  if (/connect|terminat|closed|ECONN/i.test(message)) return { code: 'connection', message };
  return { code: 'query_failed', message };
}

/**
 * Request headers of the HTTP read path: `headers: { authorization: "Bearer ${SVC_TOKEN}" }`.
 *
 * The contract: a check file, the catalog, the definition hash and everything shown (API, CLI,
 * results) hold the *template*; `${NAME}` / `${NAME:-default}` is resolved from the process
 * environment each time the check executes, and every resolved value (and the whole value of a
 * credential-named header) is registered with the redactor before the first request, so it is
 * scrubbed from results, logs and errors. Rotating the token changes neither the hash nor the
 * catalog, as with a DSN password.
 */
import { z } from 'zod';
import { isSensitiveName, registerSecret } from '../../logging/secrets.js';
import { Fault } from '../../results/fault.js';

export type Env = Record<string, string | undefined>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
/** Headers that frame the request or pick its target: parity sets them, a check file may not. */
const RESERVED = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection', 'accept-encoding']);
const MAX_HEADERS = 32;

/** Whether a header value (literal text or resolved) can be sent: visible ASCII, Latin-1, spaces and tabs. */
function validHeaderValue(value: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(value);
}

/** The `headers:` mapping of an HTTP path: names as HTTP tokens (case-insensitive, once each), values as templates. */
export const httpHeadersSchema = z
  .record(z.string().regex(TOKEN, 'a header name is an HTTP token (letters, digits, "-", …)').max(128), z.string().max(8192))
  .superRefine((headers, ctx) => {
    const seen = new Set<string>();
    const names = Object.keys(headers);
    if (names.length > MAX_HEADERS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_HEADERS} headers` });
    for (const name of names) {
      const lower = name.toLowerCase();
      if (RESERVED.has(lower)) ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is set by parity and may not be overridden` });
      if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: [name], message: `header "${name}" is given twice (header names are case-insensitive)` });
      seen.add(lower);
      const literal = headers[name]!.replace(ENV_REFERENCE, '');
      if (literal.includes('${')) ctx.addIssue({ code: 'custom', path: [name], message: 'malformed ${NAME} reference; write ${NAME} or ${NAME:-default}' });
      // A resolved value stays out of the definition hash (a rotated token must not invalidate
      // passes). That is sound only for credentials: any other header can pick what is read (a
      // backend, a tenant, a feature flag), and passes read one way would count for another.
      else if (literal !== headers[name] && !isSensitiveName(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `\${NAME} is read from the environment only in headers that carry credentials (authorization, x-api-key, cookie, …): "${name}" could choose what is read, outside the definition hash; write its value in the file` });
      }
      else if (!validHeaderValue(literal)) ctx.addIssue({ code: 'custom', path: [name], message: 'header values may not hold line breaks or control characters' });
    }
  })
  .default({});

/**
 * The headers to send, with `${NAME}` resolved from `env`; each resolved value is registered as a
 * secret first. Throws a Fault naming the header and variable — never the value — when a variable
 * is unset or resolves to text a header cannot carry.
 */
export function resolveHeaders(headers: Readonly<Record<string, string>>, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(headers)) {
    let missing: string | undefined;
    let interpolated = false;
    const value = template.replace(ENV_REFERENCE, (_, variable: string, fallback: string | undefined) => {
      const found = env[variable];
      interpolated = true;
      if (found !== undefined && found !== '') {
        registerSecret(found);
        return found;
      }
      if (fallback !== undefined) return fallback;
      missing ??= variable;
      return '';
    });
    if (missing !== undefined) throw new Fault({ code: 'missing_env', message: `environment variable ${missing} is not set (referenced as \${${missing}} in header "${name}")` });
    if (interpolated || isSensitiveName(name)) registerSecret(value);
    if (!validHeaderValue(value)) throw new Fault({ code: 'invalid_header', message: `header "${name}" resolves to a value with line breaks or control characters` });
    out[name.toLowerCase()] = value;
  }
  return out;
}

/**
 * Secrets parity knows about (DSN passwords, API tokens, header values from the environment) and
 * secrets it can recognise (credentials in any URL, query parameters named like credentials).
 * Every log line, error message, stored result and API response that could echo one passes
 * through `redact`, so a secret never leaves the process.
 */
// One registry per process, not per module copy: the installed CLI is a bundle, and `parity replay`
// loads the unbundled dist/replay/ beside it, with its own copy of this module (scripts/build.mjs).
const REGISTRY = Symbol.for('parity.redaction.secrets');
const secrets: Set<string> = ((globalThis as Record<symbol, Set<string> | undefined>)[REGISTRY] ??= new Set<string>());

/** Remembers a secret value so it is scrubbed from everything parity emits. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 3) secrets.add(value);
}

/**
 * Query, fragment or form parameter names that carry credentials: tokens, keys, signatures (AWS
 * `X-Amz-Signature`, Azure SAS `sig`), passwords, sessions. Over-matching costs a masked value;
 * under-matching leaks one.
 */
const SENSITIVE_NAME = /tok|secret|pass|pw|key|sig|auth|cred|sess|cookie|bearer|jwt|otp/i;

/** Whether a parameter or header name suggests its value is a credential. */
export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

// Postgres DSNs keep their user (the audit trail names the role); a password may hold "/" or "?".
const DSN_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi;
// Any other URL loses its whole userinfo: a token is often the user part (https://TOKEN@host).
const URL_USERINFO = /\b((?!postgres(?:ql)?:)[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"<>]+@/gi;
const SENSITIVE_PARAM = /([?&#;][^=&#;?\s'"<>]*(?:tok|secret|pass|pw|key|sig|auth|cred|sess|cookie|bearer|jwt|otp)[^=&#;?\s'"<>]*=)[^&#;\s'"<>]*/gi;

/** Replaces every registered secret, URL credentials and credential-named URL parameters with ***. */
export function redact(text: string): string {
  // Every log line passes through here: the patterns are skipped for text without the '@' both URL
  // patterns need or the '=' the parameter pattern needs (the same result, without three scans).
  let out = text.includes('@') || text.includes('=')
    ? text.replace(DSN_PASSWORD, '$1***@').replace(URL_USERINFO, '$1***@').replace(SENSITIVE_PARAM, '$1***')
    : text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('***');
  return out;
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  // An Error's message and stack are not own enumerable properties: spelled out, then redacted.
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    const type = (value as { type?: unknown }).type;
    return { type: typeof type === 'string' ? type : value.name, message: redact(value.message), ...(typeof code === 'string' ? { code } : {}), stack: redact(value.stack ?? '') } as T;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactDeep((value as unknown as { toJSON(): unknown }).toJSON()) as T;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/**
 * Secrets parity knows about (DSN passwords, API tokens). Every log line, error message and API
 * response that could echo one passes through `redact`, so a secret never leaves the process.
 */
const secrets = new Set<string>();

/** Remembers a secret value so it is scrubbed from everything parity emits. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 3) secrets.add(value);
}

/** Replaces every registered secret, and any password in a URL, with ***. */
export function redact(text: string): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

/** Redacts every string inside a JSON-like value. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map(redactDeep) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/**
 * URL templates of the HTTP read path (`http://old-svc/users/{id}`): validation at load, expansion
 * per key, and the form safe to show. Credentials never sit in the URL (they go in `headers`,
 * from the environment); credential-named query parameters are masked wherever a URL is shown.
 */
import { isSensitiveName, redact, registerSecret } from '../../logging/secrets.js';

// `{column}` not preceded by `$`: `${NAME}` is environment syntax, allowed in header values only.
const PLACEHOLDER = /(?<!\$)\{([^{}]+)\}/g;

/** Names used as {placeholders} in a URL template. */
export function urlPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Problems with a URL template: not http(s), credentials or `${VAR}` in it, a placeholder that is not a key column. */
export function urlTemplateProblem(template: string, keyColumns: readonly string[]): string | undefined {
  if (template.includes('${')) return 'environment variables (${NAME}) are not expanded in the URL; send credentials in headers, e.g. headers: { authorization: "Bearer ${TOKEN}" }';
  let parsed: URL;
  try {
    parsed = new URL(template.replace(PLACEHOLDER, 'x'));
  } catch {
    return `"${redact(template)}" is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `only http:// and https:// URLs are allowed, got ${parsed.protocol}`;
  if (parsed.username !== '' || parsed.password !== '') {
    return 'the URL must not hold credentials (user:password@); send them in headers, e.g. headers: { authorization: "Basic ${CREDENTIALS}" }';
  }
  const names = urlPlaceholders(template);
  if (names.length === 0) return `the URL needs a placeholder for the key, e.g. {${keyColumns[0]}}`;
  const unknown = names.find((n) => !keyColumns.includes(n));
  if (unknown !== undefined) return `placeholder {${unknown}} is not a key column; key columns: ${keyColumns.join(', ')}`;
  return undefined;
}

/** The URL for one key: each {column} replaced by the key's text, percent-encoded. */
export function expandUrl(template: string, keyColumns: readonly string[], parts: readonly string[]): string {
  return template.replace(PLACEHOLDER, (_, name: string) => encodeURIComponent(parts[keyColumns.indexOf(name)] ?? ''));
}

/** The URL as it may be shown: userinfo and credential-named query or fragment parameters as ***. */
export function describeHttpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<unparseable url>';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '***';
    parsed.password = '';
  }
  for (const key of [...parsed.searchParams.keys()]) if (isSensitiveName(key)) parsed.searchParams.set(key, '***');
  if (parsed.hash !== '' && /[=&]/.test(parsed.hash)) parsed.hash = '***';
  return parsed.toString();
}

/** Registers the credential-named query values of a URL with the redactor (literal secrets in a check file). */
export function registerUrlSecrets(url: string): void {
  try {
    const parsed = new URL(url.replace(PLACEHOLDER, 'x'));
    for (const [key, value] of parsed.searchParams) if (isSensitiveName(key)) registerSecret(value);
    registerSecret(decodeURIComponent(parsed.password));
  } catch {
    // Not a URL: the template was refused at load.
  }
}

/**
 * `${VAR}` / `${VAR:-default}`: the only way a check file reads the process environment. Values
 * from the environment are secrets: they are substituted for execution only, and everything
 * that shows a definition shows the `${VAR}` template instead. Pure: the environment is passed in.
 */

export type Env = Record<string, string | undefined>;

/** A path inside a check file's data, as zod and the YAML position helpers spell it. */
export type DataPath = readonly (string | number)[];

/** One value that came from the environment, and the `${NAME}` it replaced. */
export interface Substitution { name: string; value: string }

/** A string that was interpolated: what the file says (shown) and what the environment made of it (run). */
export interface Interpolated { path: DataPath; template: string; resolved: string; substitutions: Substitution[] }

export interface InterpolationProblem { path: DataPath; key?: string; message: string }

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const SIDES = new Set(['old', 'new']);

/**
 * Where interpolation happens at load: a source's `url` and a shadow_read side's HTTP `http` URL
 * (the definition hash covers the resolved target). Everywhere else a `${` is a load error: a
 * literal `${TENANT}` in SQL would quietly compare against the text "${TENANT}" and could pass a
 * check that should fail.
 */
export function interpolationAllowed(path: DataPath): boolean {
  const [top, , field, sub] = path;
  if (top === 'sources') return path.length === 3 && field === 'url';
  if (top !== 'checks' || typeof field !== 'string' || !SIDES.has(field)) return false;
  return path.length === 4 && sub === 'http';
}

/**
 * A shadow_read side's `headers` values keep their `${NAME}` templates: the kind resolves them at
 * execution and registers them as secrets, so credentials never enter the spec, the definition
 * hash or anything displayed.
 */
export function interpolationDeferred(path: DataPath): boolean {
  const [top, , field, sub] = path;
  return top === 'checks' && typeof field === 'string' && SIDES.has(field) && path.length === 5 && sub === 'headers';
}

/** Where interpolation may be used, for messages. */
export const ALLOWED_PLACES = 'sources.<name>.url and a shadow_read side\'s http URL and headers';

function substitute(text: string, env: Env): { resolved: string; substitutions: Substitution[] } | { error: string } {
  const substitutions: Substitution[] = [];
  let missing: string | undefined;
  const resolved = text.replace(REFERENCE, (_, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') {
      substitutions.push({ name, value: found });
      return found;
    }
    // A default is written in the file itself, so it is no secret.
    if (fallback !== undefined) return fallback;
    missing ??= name;
    return '';
  });
  if (missing) return { error: `environment variable ${missing} is not set (referenced as \${${missing}})` };
  // Whatever "${" is left was not a well-formed reference: "${1X}", "${X", "${X:default}".
  const stray = text.replace(REFERENCE, '').indexOf('${');
  if (stray !== -1) return { error: 'malformed environment reference; write ${NAME} or ${NAME:-default} (NAME: letters, digits, _)' };
  return { resolved, substitutions };
}

/**
 * Walks parsed check-file data: substitutes `${…}` where allowed, reports it everywhere else
 * (values and keys). Returns the data with substitutions made and every interpolated string.
 */
export function interpolateData(data: unknown, env: Env): { data: unknown; interpolated: Interpolated[]; problems: InterpolationProblem[] } {
  const interpolated: Interpolated[] = [];
  const problems: InterpolationProblem[] = [];
  const walk = (value: unknown, path: DataPath): unknown => {
    if (typeof value === 'string') {
      if (!value.includes('${') || interpolationDeferred(path)) return value;
      if (!interpolationAllowed(path)) {
        problems.push({ path, message: `"\${" is not allowed here: the environment is read only in ${ALLOWED_PLACES}` });
        return value;
      }
      const result = substitute(value, env);
      if ('error' in result) {
        problems.push({ path, message: result.error });
        return value;
      }
      interpolated.push({ path, template: value, ...result });
      return result.resolved;
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('${')) problems.push({ path, key, message: `"\${" is not allowed in a key: the environment is read only in ${ALLOWED_PLACES}` });
        out[key] = walk(item, [...path, key]);
      }
      return out;
    }
    return value;
  };
  return { data: walk(data, []), interpolated, problems };
}

/** The forms a value may take in text parity prints: as is, percent-encoded, percent-decoded. */
export function secretForms(value: string): string[] {
  const forms = new Set([value, encodeURIComponent(value), encodeURI(value)]);
  try {
    forms.add(decodeURIComponent(value));
  } catch {
    // Not valid percent-encoding: the raw form is all there is.
  }
  // Shorter values are no secret, and hiding them would garble every message.
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** registerSecret's own floor: values shorter than this are not treated as secrets anywhere. */
const MIN_SECRET_LENGTH = 3;

/** Replaces every environment-provided value in `text` by the `${NAME}` it came from. */
export function hideSubstitutions(text: string, substitutions: readonly Substitution[]): string {
  let out = text;
  // Longest first, so a value that contains another is replaced whole.
  const pairs = substitutions.flatMap((s) => secretForms(s.value).map((form) => ({ form, name: s.name })))
    .sort((a, b) => b.form.length - a.form.length);
  for (const { form, name } of pairs) out = out.split(form).join(`\${${name}}`);
  return out;
}

const PLACEHOLDER = (index: number) => `parityenvref${index}x`;

/**
 * A source URL template as parity shows it: the `${NAME}` references kept, a literal password or
 * secret query parameter masked like any URL's (describeUrl).
 */
export function describeUrlTemplate(template: string, describe: (url: string) => string): string {
  const references: string[] = [];
  // Placeholders are plain letters and digits, valid in every part of a URL, so it still parses.
  const probe = template.replace(REFERENCE, (reference: string) => PLACEHOLDER(references.push(reference) - 1));
  let shown = describe(probe);
  references.forEach((reference, index) => { shown = shown.split(PLACEHOLDER(index)).join(reference); });
  return shown;
}

/** A shown form of a path inside the data, e.g. url or old.headers.authorization. */
export function pathKey(path: DataPath): string {
  return path.map(String).join('.');
}

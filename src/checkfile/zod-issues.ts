/** Turns zod issues into sentences that name the key and list what is allowed. */
import type { z } from 'zod';

export interface FlatIssue {
  path: PropertyKey[];
  message: string;
  /** For unknown keys: the offending key, so the position points at it. */
  key?: string;
  /** For SQL refusals: the character offset inside the string value where the problem is. */
  offset?: number;
}

/** Flattens zod issues, resolving unions to their closest branch. */
export function flattenIssues(issues: readonly z.core.$ZodIssue[], base: PropertyKey[] = [], schema?: z.ZodType, rootLength = base.length): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          const allowed = schema ? allowedKeysAt(schema, path.slice(rootLength)) : [];
          const hint = allowed.length > 0 ? `; allowed keys: ${allowed.join(', ')}` : '';
          out.push({ path, key, message: `unknown key "${key}"${hint}` });
        }
        break;
      case 'invalid_union': {
        const branches = issue.errors.filter((b) => b.length > 0);
        const closest = [...branches].sort((a, b) => score(a) - score(b))[0];
        if (closest && branches.length > 0) {
          // A misspelt key is the root cause; the "required" issues it implies would only distract.
          const unknownKeys = closest.filter((i) => i.code === 'unrecognized_keys');
          const flattened = flattenIssues(unknownKeys.length > 0 ? unknownKeys : closest, path, schema, rootLength);
          const forms = branches.length > 1 ? ` (one of ${branches.length} accepted forms)` : '';
          out.push(...flattened.map((f, i) => (i === 0 ? { ...f, message: f.message + forms } : f)));
        } else {
          out.push({ path, message: issue.message });
        }
        break;
      }
      case 'invalid_value':
        out.push({ path, message: `must be one of: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}` });
        break;
      case 'invalid_type': {
        const received = (issue as { input?: unknown }).input;
        out.push({
          path,
          message: received === undefined ? `is required (${issue.expected})` : `must be ${article(issue.expected)}, not ${describeValue(received)}`,
        });
        break;
      }
      case 'custom': {
        const offset = (issue.params as { offset?: unknown } | undefined)?.offset;
        out.push(typeof offset === 'number' ? { path, message: issue.message, offset } : { path, message: issue.message });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

type AnyDef = { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; innerType?: z.ZodType; in?: z.ZodType; options?: z.ZodType[]; valueType?: z.ZodType };

function defOf(schema: z.ZodType): AnyDef {
  return (schema as unknown as { _zod: { def: AnyDef } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(unwrap);
  return [schema];
}

/** The keys an object schema accepts at `path` (through optionals, defaults, unions and arrays). */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let candidates = unwrap(schema);
  for (const segment of path) {
    candidates = candidates.flatMap((c) => {
      const def = defOf(c);
      if (def.type === 'object' && def.shape && typeof segment === 'string' && def.shape[segment]) return unwrap(def.shape[segment]);
      if (def.type === 'array' && def.element && typeof segment === 'number') return unwrap(def.element);
      if (def.type === 'record' && def.valueType) return unwrap(def.valueType);
      return [];
    });
  }
  const keys = new Set<string>();
  for (const c of candidates) {
    const def = defOf(c);
    if (def.type === 'object' && def.shape) Object.keys(def.shape).forEach((k) => keys.add(k));
  }
  return [...keys];
}

// Fewer issues, and issues deeper in the value, mean the branch the author most likely meant.
function score(branch: readonly z.core.$ZodIssue[]): number {
  const unknownKeys = branch.filter((i) => i.code === 'unrecognized_keys').length;
  const depth = Math.max(0, ...branch.map((i) => i.path.length));
  return branch.length * 10 + unknownKeys * 5 - depth;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'bigint') return `${value}, which is too large to be held exactly`;
  return `${typeof value} ${String(value)}`;
}

/**
 * The HTTP read path as written in a check file (`old:` / `new:` of a shadow_read), and its checks
 * that need the key columns (run from the kind's refinement, so problems keep file:line:column).
 */
import { z } from 'zod';
import { durationSchema } from '../../checkfile/common.js';
import { httpHeadersSchema } from './http-headers.js';
import { urlTemplateProblem } from './http-url.js';
import { keyFieldSchema, keyLocations } from './record-key.js';

/**
 * Which redirects a read follows: `same_origin` (default) follows 301/302/303/307/308 to the
 * same scheme, host and port as the first request, up to MAX_REDIRECTS hops; `none` treats any
 * redirect as could-not-verify; `any` follows other origins too, without the configured headers.
 */
export const followRedirectsSchema = z.enum(['same_origin', 'none', 'any']);
export type FollowRedirects = z.output<typeof followRedirectsSchema>;

export const MAX_REDIRECTS = 5;

/** `{ http, timeout, concurrency, headers, follow_redirects, key_field }`. */
export const httpPathSchema = z.strictObject({
  http: z.string().min(1).max(2000),
  timeout: durationSchema.default(5_000),
  concurrency: z.number().int().min(1).max(64).default(8),
  headers: httpHeadersSchema,
  follow_redirects: followRedirectsSchema.default('same_origin'),
  /** Where the record holds its key; default: top-level members named like the key columns. */
  key_field: keyFieldSchema.optional(),
});
export type HttpPath = z.output<typeof httpPathSchema>;

/** Problems of an HTTP path that depend on the check's key columns, each with its key path. */
export function httpPathProblems(path: HttpPath, keyColumns: readonly string[]): { path: string[]; message: string }[] {
  const problems: { path: string[]; message: string }[] = [];
  const url = urlTemplateProblem(path.http, keyColumns);
  if (url) problems.push({ path: ['http'], message: url });
  const locations = keyLocations(path.key_field, keyColumns);
  if ('error' in locations) problems.push({ path: ['key_field'], message: locations.error });
  return problems;
}

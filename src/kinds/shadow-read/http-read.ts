/**
 * The HTTP read path of a shadow read: GET one JSON document per key from a URL template such
 * as `http://old-svc/users/{id}`. The execution context has no HTTP facility, so requests go
 * through a one-method port (the global fetch by default) that tests and embedders can replace.
 * 200 → the JSON object, once it is shown to be the requested key's record; 404 → the key is
 * missing on that path; anything else (other statuses, refused redirects, timeouts, refused
 * connections, bodies that are not one unambiguous JSON object) → "could not verify".
 * URLs in messages are shown without credentials (describeHttpUrl).
 */
import { parseJsonLossless } from '../../compare/json-lossless.js';
import { keyId } from '../../compare/key-literal.js';
import type { ReadResult, RecordObject } from './records.js';
import { createLimiter } from '../../concurrency/limiter.js';
import { Fault } from '../../results/fault.js';
import { redact } from '../../logging/secrets.js';
import { firstDuplicateMember } from './json-duplicates.js';
import { resolveHeaders, type Env } from './http-headers.js';
import { MAX_REDIRECTS, type HttpPath } from './http-path.js';
import { describeHttpUrl, expandUrl, registerUrlSecrets } from './http-url.js';
import { keyLocations, recordKeyProblem } from './record-key.js';

export { expandUrl, urlPlaceholders, urlTemplateProblem } from './http-url.js';
export type { HttpPath } from './http-path.js';

/** The only way parity makes HTTP requests to a verified service; redirects come back to parity unfollowed. */
export interface HttpPort {
  fetch(url: string, init: { signal: AbortSignal; headers: Record<string, string>; redirect: 'manual' }): Promise<Response>;
}

/** The default port: Node's global fetch. */
export const globalFetchPort: HttpPort = { fetch: (url, init) => globalThis.fetch(url, init) };

type HttpFaultCode = 'timeout' | 'http_status' | 'connection' | 'invalid_response' | 'redirect' | 'wrong_record';

/** A request that could not be answered; the kind turns it into an `error` result. `url` is the shown form. */
export class HttpReadError extends Fault {
  override readonly name = 'HttpReadError';
  constructor(code: HttpFaultCode, readonly url: string, message: string, options?: { cause: unknown }) {
    super({ code, message: redact(message) }, options);
  }
}

/** An HTTP path ready to read: headers resolved from the environment, key locations parsed. */
export interface PreparedHttpPath { path: HttpPath; headers: Record<string, string>; locations: string[][] }

/** Resolves headers (registering their secrets) and key locations once per read; throws a Fault when a variable is unset. */
export function prepareHttpPath(path: HttpPath, keyColumns: readonly string[], env: Env): PreparedHttpPath {
  registerUrlSecrets(path.http);
  const locations = keyLocations(path.key_field, keyColumns);
  if ('error' in locations) throw new Fault({ code: 'invalid_config', message: `key_field: ${locations.error}` });
  return { path, headers: resolveHeaders(path.headers, env), locations };
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BASE_HEADERS = { accept: 'application/json', 'user-agent': 'parity' };
/**
 * JSON is UTF-8 (RFC 8259). A lenient decoder turns every invalid sequence into U+FFFD, so two
 * bodies that differ in those bytes (Latin-1 "é" and "è") read as one text: refuse them instead.
 * The BOM is kept, so the parser refuses it as JSON must not start with one.
 */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

async function readBody(response: Response, shown: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpReadError('invalid_response', shown, `GET ${shown}: response of ${declared} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`);
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new HttpReadError('invalid_response', shown, `GET ${shown}: response exceeds the ${MAX_BODY_BYTES}-byte limit`);
    chunks.push(chunk);
  }
  try {
    return UTF8.decode(Buffer.concat(chunks));
  } catch (error) {
    throw new HttpReadError('invalid_response', shown, `GET ${shown} returned a body that is not UTF-8`, { cause: error });
  }
}

/**
 * GETs `url`, following redirects as `follow_redirects` allows. Configured headers (credentials)
 * go only to the first request's origin; a loop, a missing or non-http Location, or more than
 * MAX_REDIRECTS hops is a fault.
 */
async function getFollowing(port: HttpPort, prepared: PreparedHttpPath, url: string, shown: string, signal: AbortSignal): Promise<Response> {
  const origin = new URL(url).origin;
  const seen = new Set<string>();
  let current = url;
  for (let hops = 0; ; hops++) {
    seen.add(current);
    const sameOrigin = new URL(current).origin === origin;
    const headers = sameOrigin ? { ...BASE_HEADERS, ...prepared.headers } : { ...BASE_HEADERS };
    const response = await port.fetch(current, { signal, headers, redirect: 'manual' });
    if (!REDIRECTS.has(response.status)) return response;
    await response.body?.cancel();
    const policy = prepared.path.follow_redirects;
    const refuse = (why: string) => new HttpReadError('redirect', shown, `GET ${shown} answered ${response.status} (a redirect) ${why}`);
    if (policy === 'none') throw refuse('and follow_redirects is none');
    const location = response.headers.get('location');
    if (location === null) throw refuse('without a Location');
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw refuse('to an unparseable Location');
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw refuse(`to a ${next.protocol} URL`);
    if (next.username !== '' || next.password !== '') throw refuse('to a URL holding credentials');
    if (policy === 'same_origin' && next.origin !== origin) throw refuse(`to another origin (${next.origin}); follow_redirects is same_origin`);
    if (seen.has(next.href)) throw refuse(`back to ${describeHttpUrl(next.href)}: a redirect loop`);
    if (hops + 1 > MAX_REDIRECTS) throw refuse(`after ${MAX_REDIRECTS} redirects already`);
    current = next.href;
  }
}

/** GETs one key. Resolves to the record or "missing"; rejects with HttpReadError (or a Fault) otherwise. */
export async function readHttpKey(port: HttpPort, prepared: PreparedHttpPath, keyColumns: readonly string[], parts: readonly string[], expectedJson: readonly string[], signal: AbortSignal): Promise<ReadResult> {
  const { path } = prepared;
  const url = expandUrl(path.http, keyColumns, parts);
  const shown = describeHttpUrl(url);
  const timeout = AbortSignal.timeout(path.timeout);
  const combined = AbortSignal.any([signal, timeout]);
  try {
    const response = await getFollowing(port, prepared, url, shown, combined);
    if (response.status === 404) {
      await response.body?.cancel();
      return { kind: 'missing' };
    }
    // Only 200 carries a whole record: 203 (transformed by a proxy), 204, 206 (partial) and the rest do not.
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new HttpReadError('http_status', shown, `GET ${shown} answered ${response.status} ${response.statusText}`.trim());
    }
    const body = await readBody(response, shown);
    let value: unknown;
    try {
      value = parseJsonLossless(body);
    } catch (error) {
      throw new HttpReadError('invalid_response', shown, `GET ${shown} did not return JSON: ${(error as Error).message}`, { cause: error });
    }
    const duplicate = firstDuplicateMember(body);
    if (duplicate !== undefined) throw new HttpReadError('invalid_response', shown, `GET ${shown} returned JSON that repeats the member ${duplicate}: ambiguous, parsers disagree on its value`);
    if (value === null) return { kind: 'missing' };
    if (typeof value !== 'object' || Array.isArray(value)) throw new HttpReadError('invalid_response', shown, `GET ${shown} returned JSON that is not an object`);
    const problem = recordKeyProblem(value as RecordObject as never, prepared.locations, keyColumns, expectedJson);
    if (problem) throw new HttpReadError(problem.code, shown, `GET ${shown}: the record ${problem.message}`);
    return { kind: 'row', row: value as RecordObject };
  } catch (error) {
    if (error instanceof Fault) throw error;
    // The caller's cancellation is not a fault of the endpoint: let it surface as cancellation.
    if (signal.aborted) throw error;
    if (timeout.aborted) throw new HttpReadError('timeout', shown, `GET ${shown} took longer than ${path.timeout} ms`, { cause: error });
    const cause = (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    throw new HttpReadError('connection', shown, `GET ${shown} failed: ${(error as Error).message}${cause}`, { cause: error });
  }
}

/** Reads a batch of keys with at most `path.concurrency` requests in flight; `expected` gives each key's `to_json` texts. */
export async function readHttpBatch(
  port: HttpPort, prepared: PreparedHttpPath, keyColumns: readonly string[], keys: readonly string[][],
  expected: (parts: readonly string[]) => readonly string[] | undefined, signal: AbortSignal,
): Promise<Map<string, ReadResult>> {
  const limiter = createLimiter(prepared.path.concurrency);
  const failure = new AbortController();
  const scoped = AbortSignal.any([signal, failure.signal]);
  const out = new Map<string, ReadResult>();
  try {
    await Promise.all(keys.map((parts) => limiter.run(async () => {
      scoped.throwIfAborted();
      const json = expected(parts);
      // Every sampled key has its JSON form; one without cannot be checked, so it is never read as a pass.
      if (json === undefined) throw new Fault({ code: 'internal', message: `no JSON form of sampled key ${keyId(parts)}` });
      out.set(keyId(parts), await readHttpKey(port, prepared, keyColumns, parts, json, scoped));
    })));
  } catch (error) {
    failure.abort();
    throw error;
  }
  return out;
}

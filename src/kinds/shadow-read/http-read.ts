/**
 * The HTTP read path of a shadow read: GET one JSON document per key from a URL template such
 * as `http://old-svc/users/{id}`. The execution context has no HTTP facility, so requests go
 * through a one-method port (the global fetch by default) that tests and embedders can replace.
 * 2xx → the JSON object; 404 → the key is missing on that path; anything else (other statuses,
 * timeouts, refused connections, bodies that are not a JSON object) → "could not verify".
 */
import { parseJsonLossless } from '../../compare/json-lossless.js';
import { keyId } from '../../compare/key-literal.js';
import type { ReadResult, RecordObject } from './records.js';
import { createLimiter } from '../../concurrency/limiter.js';
import { Fault } from '../../results/fault.js';

/** The only way parity makes HTTP requests to a verified service. */
export interface HttpPort {
  fetch(url: string, init: { signal: AbortSignal; headers: Record<string, string> }): Promise<Response>;
}

/** The default port: Node's global fetch. */
export const globalFetchPort: HttpPort = { fetch: (url, init) => globalThis.fetch(url, init) };

export interface HttpPath {
  http: string;
  timeout: number;
  concurrency: number;
}

/** A request that could not be answered; the kind turns it into an `error` result. */
export class HttpReadError extends Fault {
  override readonly name = 'HttpReadError';
  constructor(code: 'timeout' | 'http_status' | 'connection' | 'invalid_response', readonly url: string, message: string, options?: { cause: unknown }) {
    super({ code, message }, options);
  }
}

const PLACEHOLDER = /\{([^{}]+)\}/g;
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Names used as {placeholders} in a URL template. */
export function urlPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Problems with a URL template: not http(s), or a placeholder that is not a key column. */
export function urlTemplateProblem(template: string, keyColumns: readonly string[]): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(template.replace(PLACEHOLDER, 'x'));
  } catch {
    return `"${template}" is not a URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `only http:// and https:// URLs are allowed, got ${parsed.protocol}`;
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

async function readBody(response: Response, url: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpReadError('invalid_response', url, `response of ${declared} bytes exceeds the ${MAX_BODY_BYTES}-byte limit`);
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new HttpReadError('invalid_response', url, `response exceeds the ${MAX_BODY_BYTES}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** GETs one key. Resolves to the record or "missing"; rejects with HttpReadError otherwise. */
export async function readHttpKey(port: HttpPort, path: HttpPath, keyColumns: readonly string[], parts: readonly string[], signal: AbortSignal): Promise<ReadResult> {
  const url = expandUrl(path.http, keyColumns, parts);
  const timeout = AbortSignal.timeout(path.timeout);
  const combined = AbortSignal.any([signal, timeout]);
  try {
    const response = await port.fetch(url, { signal: combined, headers: { accept: 'application/json', 'user-agent': 'parity' } });
    if (response.status === 404) {
      await response.body?.cancel();
      return { kind: 'missing' };
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel();
      throw new HttpReadError('http_status', url, `GET ${url} answered ${response.status} ${response.statusText}`.trim());
    }
    const body = await readBody(response, url);
    let value: unknown;
    try {
      value = parseJsonLossless(body);
    } catch (error) {
      throw new HttpReadError('invalid_response', url, `GET ${url} did not return JSON: ${(error as Error).message}`, { cause: error });
    }
    if (value === null) return { kind: 'missing' };
    if (typeof value !== 'object' || Array.isArray(value)) throw new HttpReadError('invalid_response', url, `GET ${url} returned JSON that is not an object`);
    return { kind: 'row', row: value as RecordObject };
  } catch (error) {
    if (error instanceof HttpReadError) throw error;
    // The caller's cancellation is not a fault of the endpoint: let it surface as cancellation.
    if (signal.aborted) throw error;
    if (timeout.aborted) throw new HttpReadError('timeout', url, `GET ${url} took longer than ${path.timeout} ms`, { cause: error });
    throw new HttpReadError('connection', url, `GET ${url} failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Reads a batch of keys with at most `path.concurrency` requests in flight. */
export async function readHttpBatch(port: HttpPort, path: HttpPath, keyColumns: readonly string[], keys: readonly string[][], signal: AbortSignal): Promise<Map<string, ReadResult>> {
  const limiter = createLimiter(path.concurrency);
  const failure = new AbortController();
  const scoped = AbortSignal.any([signal, failure.signal]);
  const out = new Map<string, ReadResult>();
  try {
    await Promise.all(keys.map((parts) => limiter.run(async () => {
      scoped.throwIfAborted();
      out.set(keyId(parts), await readHttpKey(port, path, keyColumns, parts, scoped));
    })));
  } catch (error) {
    failure.abort();
    throw error;
  }
  return out;
}

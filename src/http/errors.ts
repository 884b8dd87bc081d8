/** One error shape for every HTTP failure: `{ error: { code, message, details? } }` with a stable code. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { redact, redactDeep } from '../logging/secrets.js';
import { CheckFileError } from '../spec/problems.js';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export interface ErrorBody { error: { code: string; message: string; details?: unknown } }

/** Renders an error response; secrets are scrubbed from every message. */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, details?: unknown) {
  const body: ErrorBody = { error: { code, message: redact(message), ...(details === undefined ? {} : { details: redactDeep(details) }) } };
  return c.json(body, status);
}

/** The app's onError: known errors keep their status and code; anything else is a 500 without internals. */
export function handleError(error: Error, c: Context) {
  if (error instanceof ApiError) return errorResponse(c, error.status, error.code, error.message, error.details);
  if (error instanceof CheckFileError) return errorResponse(c, 422, 'invalid_check_files', error.message, { problems: error.problems });
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const code = status === 413 ? 'payload_too_large' : status === 401 ? 'unauthorized' : status === 400 ? 'bad_request' : 'http_error';
    return errorResponse(c, status, code, error.message || 'request failed');
  }
  c.get('logger' as never)?.['error']?.({ err: error }, 'unhandled error');
  return errorResponse(c, 500, 'internal', 'internal error; see the server log');
}

/** One error shape for every HTTP failure: `{ error: { code, message, details? } }` with a stable code. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { redact, redactDeep } from '../logging/secrets.js';
import { CheckFileError } from '../checkfile/problems.js';
import type { Logger } from '../logging/logger.js';

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

/** Stable codes for the HTTPExceptions hono and its validators throw. */
function codeOfHttpException(status: number, message: string): { code: string; message: string } {
  if (status === 413) return { code: 'payload_too_large', message: message || 'request body too large' };
  if (status === 415) return { code: 'unsupported_media_type', message: 'request bodies must be sent as Content-Type: application/json' };
  if (status === 401) return { code: 'unauthorized', message: message || 'unauthorized' };
  if (status === 400) return { code: /json/i.test(message) ? 'malformed_json' : 'bad_request', message: message || 'bad request' };
  return { code: 'http_error', message: message || 'request failed' };
}

/** The app's onError: known errors keep their status and code; anything else is a 500 without internals. */
export function handleError(error: Error, c: Context, logger?: Logger) {
  if (error instanceof ApiError) return errorResponse(c, error.status, error.code, error.message, error.details);
  if (error instanceof CheckFileError) return errorResponse(c, 422, 'invalid_check_files', error.message, { problems: error.problems });
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode;
    const { code, message } = codeOfHttpException(status, error.message);
    return errorResponse(c, status, code, message);
  }
  // The message may quote SQL or a driver error; it goes to the (redacting) log, never to the client.
  logger?.error({ err_name: error.name, err_message: redact(error.message), stack: redact(error.stack ?? '') }, 'unhandled error');
  return errorResponse(c, 500, 'internal', 'internal error; see the server log');
}

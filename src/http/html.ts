/**
 * Sending the server-rendered pages (status page, login form) with the headers every page gets:
 * never cached (they show results and take tokens), never framed (clickjacking), no scripts at all,
 * and forms that may only post back to this server.
 */
import type { Context } from 'hono';

const PAGE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Keeps Origin on same-origin form posts (the login form needs it) and sends nothing elsewhere.
  'referrer-policy': 'same-origin',
};

/** A rendered page as an HTML response. */
export function sendPage(c: Context, status: 200 | 401 | 403, page: unknown): Response {
  return c.html(`<!doctype html>${String(page)}`, status, PAGE_HEADERS);
}

/** True when the browser reached this server over https, directly or through a TLS-terminating proxy. */
export function viaHttps(c: Context): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  // Only ever used to add the cookie's Secure flag, so a spoofed header can only restrict the cookie.
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

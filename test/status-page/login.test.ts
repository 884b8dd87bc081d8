/**
 * A browser's way onto the status page once API tokens are set: a read token traded for a session
 * cookie that only reads. Requests go through the real app; cookies are carried by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueSession, SESSION_COOKIE, SESSION_TTL_MS } from '../../src/http/session.js';
import { createHttpFixture, json, type HttpFixture } from '../http/support.js';
import { engines } from '../support/databases.js';
import { MIGRATIONS_YAML } from '../support/migrations-yaml.js';

const READER = 'reader-token-7c1e55a09b';
const RUNNER = 'runner-token-e4d2019f3a';
const SAME_ORIGIN = { origin: 'http://localhost' };

/** The session cookie's value from a Set-Cookie header, and its attributes. */
function sessionFrom(response: Response): { value: string; attributes: string[] } {
  const header = response.headers.get('set-cookie') ?? '';
  const [pair = '', ...attributes] = header.split(';').map((s) => s.trim());
  expect(pair.startsWith(`${SESSION_COOKIE}=`), header).toBe(true);
  return { value: pair.slice(SESSION_COOKIE.length + 1), attributes };
}

describe.each(engines)('signing in to the status page on %s', (engine) => {
  let fx: HttpFixture;
  const login = (token: string, headers: Record<string, string> = SAME_ORIGIN, target = '/login') => fx.request('POST', target, {
    raw: new URLSearchParams({ token }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
  const withCookie = (value: string, headers: Record<string, string> = {}) => ({ headers: { cookie: `${SESSION_COOKIE}=${value}`, ...headers } });

  beforeAll(async () => {
    fx = await createHttpFixture(engine, { checks: MIGRATIONS_YAML, tokens: `reader:${READER}:read,ci:${RUNNER}:run` });
  });
  afterAll(() => fx.close());

  it('answers a browser without a session with the login form (401), served with no-store and no framing', async () => {
    const response = await fx.request('GET', '/');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await response.text();
    expect(html).toContain('<form method="post" action="/login">');
    expect(html).toContain('<input type="password" id="token" name="token" autocomplete="off" required="" autofocus=""/>');
    expect(html).not.toContain('data-login-message');
    expect((await fx.request('GET', '/login')).status).toBe(200);
  });

  it('trades a read token for an HttpOnly, SameSite=Strict session cookie that never contains the token', async () => {
    const response = await login(READER);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    const { value, attributes } = sessionFrom(response);
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${SESSION_TTL_MS / 1000}`]));
    expect(attributes).not.toContain('Secure');
    expect(value).not.toContain(READER);
    expect(Buffer.from(value.replaceAll('.', ''), 'base64url').toString('latin1')).not.toContain(READER);
    expect(fx.logs()).not.toContain(READER);

    const page = await fx.request('GET', '/', withCookie(value));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<section data-migration="users-split-name">');
    expect(html).toContain('<form method="post" action="/logout" class="signout">');
    // The links on the page work with the session too: reading the API is what a read token may do.
    expect((await fx.request('GET', '/v1/migrations', withCookie(value))).status).toBe(200);
    expect((await fx.request('GET', '/v1/checks', withCookie(value))).status).toBe(200);
  });

  it('marks the cookie Secure when the browser came over https (directly or through a proxy)', async () => {
    const direct = await fx.app.request('https://localhost/login', {
      method: 'POST', body: new URLSearchParams({ token: READER }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://localhost' },
    });
    expect(sessionFrom(direct).attributes).toContain('Secure');
    expect(sessionFrom(await login(READER, { ...SAME_ORIGIN, 'x-forwarded-proto': 'https' })).attributes).toContain('Secure');
  });

  it('answers a bad token with the form again (401) and a message, and sets no cookie', async () => {
    for (const token of ['not-a-token-at-all-123', '', `${READER}x`]) {
      const response = await login(token);
      expect(response.status, token).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
      const html = await response.text();
      expect(html).toContain('<p class="message" role="alert" data-login-message="true">That token was not accepted.');
      expect(html).toContain('<form method="post" action="/login">');
    }
    expect(fx.logs()).not.toContain('not-a-token-at-all-123');
  });

  it('refuses a login posted from another site, or without the browser saying where it came from', async () => {
    const attempts: Record<string, string>[] = [{ origin: 'https://evil.example' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, {}];
    for (const headers of attempts) {
      const response = await login(READER, headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await json(response)).error.code).toBe('cross_origin');
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    expect((await login(READER, { 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('never lets the cookie change anything, even when the token behind it may run checks', async () => {
    const { value } = sessionFrom(await login(RUNNER));
    expect((await fx.request('GET', '/', withCookie(value))).status).toBe(200);
    const writes: [string, string, unknown?][] = [
      ['POST', '/v1/runs', { ids: ['users-row-count'] }],
      ['DELETE', '/v1/runs/00000000-0000-0000-0000-000000000000'],
      ['POST', '/v1/reload'],
      ['POST', '/v1/migrations/users-split-name/gates/switch-reads?refresh=true&respond=body'],
      ['POST', '/v1/migrations/users-split-name/gates/switch-reads?respond=body'],
      // A gate GET records a decision: that is the token's to do, not a browser session's.
      ['GET', '/v1/migrations/users-split-name/gates/switch-reads?respond=body'],
      // OpenFeature evaluations record decisions too.
      ['POST', '/ofrep/v1/evaluate/flags/users-split-name%2Fswitch-reads', { context: {} }],
      ['POST', '/ofrep/v1/evaluate/flags', { context: {} }],
    ];
    for (const [method, url, body] of writes) {
      const response = await fx.request(method, url, { ...withCookie(value, SAME_ORIGIN), ...(body ? { body } : {}) });
      expect(response.status, `${method} ${url}`).toBe(401);
    }
    const decisions = await json(await fx.request('GET', '/v1/migrations/users-split-name/decisions', withCookie(value)));
    expect(decisions.decisions).toEqual([]);
  });

  it('rejects expired, forged and tampered cookies, showing the form with a message on the status page', async () => {
    const reader = fx.service.config.apiTokens.find((t) => t.name === 'reader')!;
    const now = fx.service.clock.now();
    const expired = issueSession(reader, new Date(now.getTime() - SESSION_TTL_MS - 1000));
    const forgedKey = issueSession({ ...reader, token: 'guessed-token-0000000000' }, now);
    const valid = issueSession(reader, now);
    const [version, name, expires, nonce, signature] = valid.split('.');
    const otherName = [version, Buffer.from('ci').toString('base64url'), expires, nonce, signature].join('.');
    const longer = [version, name, String(Number(expires) + 3_600_000), nonce, signature].join('.');
    for (const cookie of [expired, forgedKey, otherName, longer, `${valid}x`, 'garbage', READER]) {
      const page = await fx.request('GET', '/', withCookie(cookie));
      expect(page.status, cookie).toBe(401);
      expect(await page.text()).toContain('Your session has ended or is no longer valid; sign in again.');
      expect((await fx.request('GET', '/v1/checks', withCookie(cookie))).status, cookie).toBe(401);
    }
    expect((await fx.request('GET', '/', withCookie(valid))).status).toBe(200);
  });

  it('ends the session when the token is removed from the configuration', async () => {
    const { value } = sessionFrom(await login(READER));
    const rotated = await createHttpFixture(engine, { checks: MIGRATIONS_YAML, tokens: `reader:reader-token-rotated-0001:read` });
    try {
      expect((await rotated.request('GET', '/', withCookie(value))).status).toBe(401);
    } finally {
      await rotated.close();
    }
  });

  it('signs out: a same-origin POST /logout clears the cookie', async () => {
    const response = await fx.request('POST', '/logout', { headers: SAME_ORIGIN });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    const { value, attributes } = sessionFrom(response);
    expect(value).toBe('');
    expect(attributes).toContain('Max-Age=0');
    expect((await fx.request('POST', '/logout', { headers: { origin: 'https://evil.example' } })).status).toBe(403);
  });
});

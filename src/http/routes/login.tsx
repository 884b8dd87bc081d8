/**
 * GET/POST /login and POST /logout: the browser's way onto the status page once API tokens are set.
 * A read token is posted once and traded for a session cookie (HttpOnly, SameSite=Strict, Secure
 * over https) that only reads (see auth.ts). The forms are refused unless the browser says they
 * come from this origin, so no other site can sign a visitor in or out.
 */
import type { Context } from 'hono';
import type { FC } from 'hono/jsx';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { App, AppDeps, AppEnv } from '../app.js';
import { isSameOrigin, tokenMatcher } from '../auth.js';
import { ApiError } from '../errors.js';
import { sendPage, viaHttps } from '../html.js';
import { SESSION_COOKIE, SESSION_TTL_MS, issueSession } from '../session.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 4rem auto; max-width: 26rem; color: #1d232a; background: #fafbfc; }
h1 { font-size: 1.4rem; margin: 0 0 1rem; } label { display: block; font-weight: 600; margin-bottom: .35rem; }
input[type=password] { width: 100%; box-sizing: border-box; padding: .45rem; font: inherit; }
button { margin-top: .75rem; padding: .4rem 1rem; font: inherit; } .muted { color: #6b7785; }
.message { background: #ffe3e3; color: #a61e1e; padding: .5rem .75rem; border-radius: .3rem; }
`;

/** The sign-in form, with why the last attempt did not work when it did not. */
export const LoginPage: FC<{ message?: string | undefined }> = ({ message }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <title>parity — sign in</title>
      <style>{STYLE}</style>
    </head>
    <body>
      <h1>parity</h1>
      {message && <p class="message" role="alert" data-login-message>{message}</p>}
      <form method="post" action="/login">
        <label for="token">API token with the read scope</label>
        <input type="password" id="token" name="token" autocomplete="off" required autofocus />
        <button type="submit">Sign in</button>
      </form>
      <p class="muted">Signing in keeps a session cookie for {SESSION_TTL_MS / 3_600_000} hours. It lets this browser view the
        status page and read the API; asking gates and running checks still need the bearer token.</p>
    </body>
  </html>
);

/** The login form as a response. */
export function loginPage(c: Context, status: 200 | 401, message?: string): Response {
  return sendPage(c, status, <LoginPage message={message} />);
}

function cookieOptions(c: Context) {
  return { path: '/', httpOnly: true, sameSite: 'Strict', secure: viaHttps(c) } as const;
}

function requireSameOrigin(c: Context): void {
  if (!isSameOrigin(c)) {
    throw new ApiError(403, 'cross_origin', 'sign in and out from this server\'s own pages: the browser did not say the form came from this origin');
  }
}

/** GET /login, POST /login, POST /logout. Without API tokens there is nothing to sign in to. */
export function registerLoginRoutes(app: App, { service }: AppDeps): void {
  const tokens = service.config.apiTokens;
  const match = tokenMatcher(tokens);
  const home = (c: Context<AppEnv>) => c.redirect('/', 303);

  app.get('/login', (c) => (tokens.length === 0 ? home(c) : loginPage(c, 200)));

  app.post('/login', async (c) => {
    if (tokens.length === 0) return home(c);
    requireSameOrigin(c);
    const type = c.req.header('content-type') ?? '';
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(type)) {
      throw new ApiError(415, 'unsupported_media_type', 'POST /login takes the login form (application/x-www-form-urlencoded)');
    }
    const form = await c.req.parseBody();
    const presented = typeof form.token === 'string' ? form.token.trim() : '';
    const token = presented === '' ? undefined : match(presented);
    if (!token?.scopes.has('read')) return loginPage(c, 401, 'That token was not accepted. Paste an API token that has the read scope.');
    setCookie(c, SESSION_COOKIE, issueSession(token, service.clock.now()), { ...cookieOptions(c), maxAge: SESSION_TTL_MS / 1000 });
    service.logger?.info({ caller: token.name }, 'browser session started');
    return home(c);
  });

  app.post('/logout', (c) => {
    if (tokens.length === 0) return home(c);
    requireSameOrigin(c);
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
    return c.redirect('/login', 303);
  });
}

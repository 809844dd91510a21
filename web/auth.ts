// Who may see the dashboard. On loopback without a token: only requests addressed to a loopback host name
// (a web page elsewhere cannot reach it through DNS rebinding). With a token: every request carries it, as
// `Authorization: Bearer`, a `qs_token` cookie, or once as `?token=` (which then sets the cookie).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const TOKEN_COOKIE = 'qs_token';
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  return LOOPBACK_HOSTS.has(host) || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === 'localhost';
}

/** Throws the message the command prints when a public bind has no token. */
export function checkBind(host: string, token: string | undefined): void {
  if (isLoopbackHost(host)) return;
  if (token === undefined || token === '') {
    throw new Error(
      `refusing to bind ${host} without a token: the dashboard shows account data to anyone who can reach it. ` +
        'Pass --token SECRET (or set DASHBOARD_TOKEN), or bind 127.0.0.1.',
    );
  }
  if (token.length < 16) throw new Error(`--token must be at least 16 characters for a non-loopback bind, got ${token.length}`);
}

/** Constant-time comparison (hashing first makes the lengths equal, so the length does not leak either). */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function accessControl(token: string | undefined): MiddlewareHandler {
  return async (c, next) => {
    if (token === undefined || token === '') {
      // Bun builds the request URL from the Host header, so this is the name the browser asked for.
      if (!isLoopbackHost(new URL(c.req.url).hostname)) return c.text('Forbidden: loopback host names only', 403);
      return next();
    }
    const bearer = c.req.header('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
    const query = c.req.query('token');
    const cookie = getCookie(c, TOKEN_COOKIE);
    const presented = bearer ?? query ?? cookie;
    if (presented === undefined || !tokensMatch(presented, token)) {
      c.header('www-authenticate', 'Bearer realm="quantsage-dashboard"');
      return c.text('Unauthorized: pass the dashboard token', 401);
    }
    if (query !== undefined) {
      setCookie(c, TOKEN_COOKIE, query, { httpOnly: true, sameSite: 'Strict', path: '/' });
      // Take the token out of the address bar (and the history) once the cookie carries it.
      if (c.req.method === 'GET') {
        const url = new URL(c.req.url);
        url.searchParams.delete('token');
        return c.redirect(`${url.pathname}${url.search}`, 303);
      }
    }
    return next();
  };
}

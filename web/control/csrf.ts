// Cross-site protection for the dashboard's one writing route (the kill switch). Two independent checks:
// the browser's own word on where the request came from (Sec-Fetch-Site, Origin), and a per-page token that
// a page elsewhere cannot read. Tokens are stateless: a fresh nonce per page, signed with a secret that lives
// only in this process, and bound to one run (a token for run A cannot halt run B).
import { createHmac, randomBytes } from 'node:crypto';
import { tokensMatch } from '../auth.ts';

export class CsrfTokens {
  private readonly secret: Buffer;

  constructor(secret: Buffer = randomBytes(32)) {
    this.secret = secret;
  }

  private sign(scope: string, nonce: string): string {
    return createHmac('sha256', this.secret).update(`${scope}\n${nonce}`).digest('base64url');
  }

  /** A new token for one page of `scope` (the run's path). */
  issue(scope: string): string {
    const nonce = randomBytes(16).toString('base64url');
    return `${nonce}.${this.sign(scope, nonce)}`;
  }

  verify(scope: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const [nonce, mac, ...rest] = token.split('.');
    if (nonce === undefined || mac === undefined || rest.length > 0 || nonce === '') return false;
    return tokensMatch(mac, this.sign(scope, nonce));
  }
}

/**
 * Why a request is not from a page of this dashboard, or undefined when nothing says it is foreign. Browsers
 * send Sec-Fetch-Site and Origin on every POST; a client that sends neither (curl) still needs the token.
 */
export function crossSiteReason(headers: { get(name: string): string | null }, requestUrl: string): string | undefined {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return `Sec-Fetch-Site is ${site}`;
  const origin = headers.get('origin');
  if (origin !== null && origin !== new URL(requestUrl).origin) return `Origin ${origin} is not this dashboard`;
  return undefined;
}

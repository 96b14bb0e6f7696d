/**
 * How the dashboard finds the engine and signs in. The WebSocket URL comes
 * from `config.json` beside the page (what `streamer dev` serves and
 * `streamer dashboard build --url` writes), else `?url=`, else the page's
 * own host. The token is the same JWT any client uses: pasted in, passed
 * once in the fragment (`#token=…`, never sent to a server), or fetched from
 * `config.json`'s `tokenUrl` before every connection (an app that hosts the
 * dashboard can hand out tokens of its own users there). A pasted token
 * lives in this tab's sessionStorage only.
 */

/** Where the engine is, and how to get a token when the page does not hold one. */
export interface DashboardSettings {
  readonly url: string;
  /** Fetched (with the page's cookies) before each connection; its body is the JWT. */
  readonly tokenUrl?: string;
}

const TOKEN_KEY = 'streamer.dashboard.token';

/** Reads `config.json` beside the page, then `?url=`, then the page's own host. */
export async function loadSettings(): Promise<DashboardSettings> {
  const fromQuery = new URLSearchParams(location.search).get('url');
  const own = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
  let config: { url?: unknown; tokenUrl?: unknown } = {};
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) config = (await response.json()) as typeof config;
  } catch {
    // No config.json (a static copy without one): the query and the page's host decide.
  }
  const url = typeof config.url === 'string' ? config.url : (fromQuery ?? own);
  return { url, ...(typeof config.tokenUrl === 'string' && { tokenUrl: config.tokenUrl }) };
}

/** Moves a `#token=…` fragment into sessionStorage and out of the address bar. */
export function takeTokenFromFragment(): void {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}${location.search}#/`);
}

/** The token this tab holds, if any. */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Keeps a pasted token for this tab. */
export function storeToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token.trim());
}

/** Forgets the tab's token. */
export function forgetToken(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** Who a token says it is (read for display only: the server verifies it). */
export interface TokenClaims {
  readonly sub?: string;
  readonly tenant?: string;
  readonly expiresAt?: number;
}

/** The display claims of a JWT, or an empty object for something that is not one. */
export function claimsOf(token: string | undefined): TokenClaims {
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; tenant_id?: unknown; exp?: unknown };
    return {
      ...(typeof claims.sub === 'string' && { sub: claims.sub }),
      ...(typeof claims.tenant_id === 'string' && { tenant: claims.tenant_id }),
      ...(typeof claims.exp === 'number' && { expiresAt: claims.exp * 1000 }),
    };
  } catch {
    return {};
  }
}

/** Fetches a token from the configured `tokenUrl`. */
export async function fetchToken(tokenUrl: string): Promise<string> {
  const response = await fetch(tokenUrl, { credentials: 'include', cache: 'no-store' });
  if (!response.ok) throw new Error(`${tokenUrl} answered ${response.status}`);
  return (await response.text()).trim();
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentTypeOf, type DashboardFiles, loadDashboardFiles } from './dashboardAssets';

/** The path the local stack serves the dashboard under. */
export const DASHBOARD_PATH = '/dashboard/';

/**
 * Serves the dashboard on the local gateway's HTTP port: `GET /dashboard/`
 * and its files, built (or read from the package) on the first request.
 * There is no `config.json`, so the page connects to the WebSocket of its
 * own origin (whether it was opened as 127.0.0.1 or localhost) with the
 * token it is given: nothing here hands out tokens.
 */
export function createDashboardSite() {
  let files: Promise<DashboardFiles> | undefined;
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === '/dashboard') {
      response.writeHead(301, { location: DASHBOARD_PATH }).end();
      return true;
    }
    if (!path.startsWith(DASHBOARD_PATH)) return false;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const name = path.slice(DASHBOARD_PATH.length) || 'index.html';
    files ??= loadDashboardFiles();
    const body = (
      await files.catch((error: unknown) => {
        files = undefined;
        throw error;
      })
    ).get(name);
    if (!body) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return true;
    }
    return send(response, name, request.method === 'HEAD' ? undefined : body, body.byteLength);
  };
}

function send(
  response: ServerResponse,
  name: string,
  body: Uint8Array | undefined,
  length: number,
): true {
  response.writeHead(200, {
    'content-type': contentTypeOf(name),
    'content-length': length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // Scripts and styles from this origin only; connections to this origin's WebSocket only.
    'content-security-policy':
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  });
  response.end(body);
  return true;
}

/** The parts of a connect request a token can come from. */
export interface TokenSources {
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

function findHeader(headers: TokenSources['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/**
 * Finds the bearer token of a connect request: the `Authorization` query
 * parameter (browsers cannot set headers on a WebSocket), else an
 * `Authorization: Bearer <token>` header. Returns undefined when neither
 * holds a token.
 *
 * @example
 * extractToken({ queryStringParameters: { Authorization: 'eyJ…' } }); // 'eyJ…'
 * extractToken({ headers: { authorization: 'Bearer eyJ…' } }); // 'eyJ…'
 */
export function extractToken(sources: TokenSources): string | undefined {
  const query = sources.queryStringParameters?.Authorization?.trim();
  if (query) return query.replace(/^Bearer\s+/i, '');
  const header = findHeader(sources.headers, 'authorization')?.trim();
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

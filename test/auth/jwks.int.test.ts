import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, createTokenVerifier } from '../../src/auth';
import { createTestIssuer, type TestIssuer } from '../support/tokens';

describe('createTokenVerifier with a JWKS URL', () => {
  let issuer: TestIssuer;
  let server: Server;
  let url: string;
  let fetches = 0;

  beforeAll(async () => {
    issuer = await createTestIssuer();
    server = createServer((_, response) => {
      fetches++;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(issuer.jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('no address');
    url = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies tokens against the key set and fetches it once for many tokens', async () => {
    const verify = createTokenVerifier({ keys: { jwksUrl: url } });
    for (let i = 0; i < 3; i++) {
      await expect(verify(await issuer.mint({ sub: `u${i}` }))).resolves.toMatchObject({
        userId: `u${i}`,
      });
    }
    // A second verifier over the same URL shares the module-scope cache.
    await createTokenVerifier({ keys: { jwksUrl: url } })(await issuer.mint());
    expect(fetches).toBe(1);
  });

  it('refuses a token from a key that is not in the set', async () => {
    const stranger = await createTestIssuer();
    const verify = createTokenVerifier({ keys: { jwksUrl: url } });
    await expect(verify(await stranger.mint())).rejects.toBeInstanceOf(AuthError);
  });
});

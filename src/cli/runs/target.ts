import { type ClientOptions, createClient, type StreamerClient } from '../../client';
import { devIdentityFromKey } from '../../local/devIdentity';
import { readStackInfo, STACK_INFO_PATH } from '../../local/stackInfo';

/** Where `streamer runs …` connects, from its flags. */
export interface TargetOptions {
  /** The engine's WebSocket URL (else STREAMER_URL, else the running local stack). */
  readonly url?: string;
  /** A JWT (else STREAMER_TOKEN, else one minted with the local stack's dev key). */
  readonly token?: string;
  /** For a token minted with the local stack's dev key: its tenant and user. */
  readonly tenant?: string;
  readonly user?: string;
}

/** The URL and token a command connects with, and where they came from (for messages). */
export interface Target {
  readonly url: string;
  readonly token: string;
  readonly source: 'flags' | 'environment' | 'local stack';
}

/** A command that cannot reach an engine: the message says which flags or settings fix it. */
export class NoTargetError extends Error {
  override readonly name = 'NoTargetError';
}

/**
 * Resolves the engine and token: `--url`/`--token`, else STREAMER_URL and
 * STREAMER_TOKEN, else the running local stack (its stack info file names
 * its URL and holds its dev key, with which a token is minted for
 * `--tenant`/`--user`, default `dev-tenant`/`dev-user` like `npm start`'s).
 */
export async function resolveTarget(
  options: TargetOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Target> {
  const url = options.url ?? env.STREAMER_URL;
  const token = options.token ?? env.STREAMER_TOKEN;
  if (url && token) {
    return { url, token, source: options.url || options.token ? 'flags' : 'environment' };
  }
  let info: ReturnType<typeof readStackInfo>;
  try {
    info = readStackInfo();
  } catch (error) {
    throw new NoTargetError(
      `${url ? 'No token: pass --token <JWT> or set STREAMER_TOKEN' : 'No engine to talk to: pass --url <wss://…> and --token <JWT> (or set STREAMER_URL and STREAMER_TOKEN)'}, or start a local stack with npx streamer dev. (${(error as Error).message})`,
    );
  }
  if (token) return { url: url ?? info.url, token, source: 'flags' };
  if (!info.devKey) {
    throw new NoTargetError(
      `The local stack at ${info.url} verifies tokens with your own key (JWT_PUBLIC_KEY or JWKS_URL), so ${STACK_INFO_PATH} holds no dev key: pass --token <JWT> or set STREAMER_TOKEN.`,
    );
  }
  const identity = await devIdentityFromKey(info.devKey.privateKeyPem, {
    ...(info.devKey.issuer && { issuer: info.devKey.issuer }),
    ...(info.devKey.audience && { audience: info.devKey.audience }),
  });
  const minted = await identity.mintToken(
    { sub: options.user ?? 'dev-user', tenant_id: options.tenant ?? 'dev-tenant' },
    '1h',
  );
  return { url: url ?? info.url, token: minted, source: 'local stack' };
}

/**
 * A client on the target that gives up quickly when the engine is not
 * there (a CLI should say so, not retry for minutes), and does not follow
 * runs past a dead-letter error.
 */
export function clientFor(
  target: Target,
  onConnectionEvent?: ClientOptions['onConnectionEvent'],
): StreamerClient {
  return createClient({
    url: target.url,
    token: target.token,
    followRedrives: false,
    replyTimeoutMs: 15_000,
    ...(onConnectionEvent && { onConnectionEvent }),
  });
}

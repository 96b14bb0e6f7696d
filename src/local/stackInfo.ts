import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LocalStack } from './stack';

/** Where `npm start` tells other local tools (redrive, events) how to reach it. */
export const STACK_INFO_PATH = join('.streamer', 'local-stack.json');

/**
 * What a running local stack publishes about itself. It holds the stack's
 * DynamoDB credentials (the fence around its data) and, when the stack
 * generated its own key pair, the dev private key, so the file is written
 * readable by its owner only.
 */
export type StackInfo = Pick<
  LocalStack,
  'url' | 'dynamoDbEndpoint' | 'sqsEndpoint' | 'tables' | 'queueUrls' | 'aws' | 'pids'
> & {
  /** The stack's Node.js process (the file's owner). */
  readonly pid: number;
  /**
   * The dev key the stack verifies tokens with, when it generated one (no
   * JWT_PUBLIC_KEY or JWKS_URL): `streamer runs …` mints its token with it.
   */
  readonly devKey?: {
    readonly privateKeyPem: string;
    readonly issuer?: string;
    readonly audience?: string;
  };
  /** Where the stack serves the dashboard (`http://127.0.0.1:<port>/dashboard/`). */
  readonly dashboardUrl?: string;
};

/**
 * The facts of a started stack, as this process publishes them: with the dev
 * private key when the stack generated one (`jwt` names the issuer and
 * audience its tokens must carry, when the stack checks them).
 *
 * @example
 * writeStackInfo(stackInfoOf(stack, { issuer: process.env.JWT_ISSUER }));
 */
export function stackInfoOf(
  stack: LocalStack,
  jwt: { readonly issuer?: string | undefined; readonly audience?: string | undefined } = {},
): StackInfo {
  return {
    pid: process.pid,
    url: stack.url,
    dynamoDbEndpoint: stack.dynamoDbEndpoint,
    sqsEndpoint: stack.sqsEndpoint,
    tables: stack.tables,
    queueUrls: stack.queueUrls,
    aws: stack.aws,
    pids: stack.pids,
    ...(stack.dashboardUrl && { dashboardUrl: stack.dashboardUrl }),
    ...(stack.devIdentity && {
      devKey: {
        privateKeyPem: stack.devIdentity.privateKeyPem,
        ...(jwt.issuer && { issuer: jwt.issuer }),
        ...(jwt.audience && { audience: jwt.audience }),
      },
    }),
  };
}

/**
 * Writes the stack's facts for other local tools, unless another stack that
 * still runs published its own there: that file is left alone (the tools
 * keep talking to that stack) and the holder's pid is returned.
 */
export function writeStackInfo(
  info: StackInfo,
  path = STACK_INFO_PATH,
): { written: true } | { written: false; ownerPid: number } {
  const owner = ownerOf(path);
  if (owner !== undefined && owner !== info.pid && isRunning(owner)) {
    return { written: false, ownerPid: owner };
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode otherwise
  return { written: true };
}

/** Removes the facts file when the stack that wrote it (`pid`, default this process) stops. */
export function removeStackInfo(path = STACK_INFO_PATH, pid = process.pid): void {
  if (ownerOf(path) === pid) rmSync(path, { force: true });
}

/** Reads the running stack's facts, failing with what to do when there is none. */
export function readStackInfo(path = STACK_INFO_PATH): StackInfo {
  if (!existsSync(path)) {
    throw new Error(
      `No local stack is running (${path} not found): start one with npx streamer dev (npm start in the Streamer repository), or set the AWS settings in the environment.`,
    );
  }
  const info = JSON.parse(readFileSync(path, 'utf8')) as StackInfo;
  if (!info.aws) {
    throw new Error(
      `${path} was written by an older local stack: restart it (npm start) so the tools get its credentials.`,
    );
  }
  return info;
}

function ownerOf(path: string): number | undefined {
  try {
    const { pid } = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown };
    return typeof pid === 'number' ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

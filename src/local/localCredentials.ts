import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCredentials } from './dynamoDbLocal';
import { LOCAL_AWS } from './localAws';

/**
 * The fence around a stack's DynamoDB Local: its own random credentials.
 * DynamoDB Local (started without `-sharedDb`) keeps a separate database per
 * access key and region, so a client with any other access key — another
 * user of this machine, or any host should the JVM ever listen beyond
 * loopback — finds no table and no item of this stack.
 */

const CREDENTIALS_FILE = 'credentials.json';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKey(length: number): string {
  return [...randomBytes(length)].map((byte) => BASE32[byte % 32]).join('');
}

/** Fresh credentials: a 120-bit random access key (it names the database file) and secret. */
export function randomLocalCredentials(): LocalCredentials {
  return { accessKeyId: `STREAMER${randomKey(24)}`, secretAccessKey: randomKey(40) };
}

/**
 * The credentials of a data directory: created once (file mode 0600) and
 * read back by every later stack on it, so `--persist` finds its data again.
 * A directory written by an older stack (one shared database,
 * `shared-local-instance.db`) is adopted: that file becomes the new key's.
 */
export function dataDirCredentials(directory: string): LocalCredentials {
  const path = join(directory, CREDENTIALS_FILE);
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<LocalCredentials>;
    if (typeof stored.accessKeyId === 'string' && typeof stored.secretAccessKey === 'string') {
      return { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey };
    }
    throw new Error(
      `${path} holds no credentials: delete it to start this data directory afresh (its data stays under the old key)`,
    );
  }
  mkdirSync(directory, { recursive: true });
  const credentials = randomLocalCredentials();
  const shared = join(directory, 'shared-local-instance.db');
  if (existsSync(shared)) {
    renameSync(shared, join(directory, `${credentials.accessKeyId}_${LOCAL_AWS.region}.db`));
  }
  writeFileSync(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return credentials;
}

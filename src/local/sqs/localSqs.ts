import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type BuildAppOptions, buildApp } from 'fauxqs';
import { LOCAL_AWS } from '../localAws';

/** One queue the local stack creates. */
export interface LocalQueueDefinition {
  readonly name: string;
  /** SQS queue attributes (`VisibilityTimeout`, `DelaySeconds`, `MessageRetentionPeriod` …), as strings. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Move a message to this queue (by name, created first) after `maxReceiveCount` receives: SQS's `RedrivePolicy`. */
  readonly deadLetter?: { readonly queueName: string; readonly maxReceiveCount: number };
}

/**
 * The queues Streamer uses, by role. Names are what `npm start` creates; the
 * CDK app names its own.
 */
export const STREAMER_QUEUES = {
  /**
   * Requests whose attempts are exhausted (one message each); `npm run redrive` reads it.
   * FIFO so that a message re-sent after a crash (same `MessageDeduplicationId`) is dropped.
   */
  deadLetter: {
    name: 'streamer-dead-letters.fifo',
    attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' },
  },
  /** Durable timers: `DelaySeconds` messages that wake a request when its retry is due. */
  wakeUp: { name: 'streamer-wake-ups', attributes: { VisibilityTimeout: '30' } },
  /** On-failure destination of the stream mappings: batches they gave up on. */
  streamFailures: { name: 'streamer-stream-failures' },
} as const satisfies Record<string, LocalQueueDefinition>;

/** A queue's role in {@link STREAMER_QUEUES}. */
export type QueueRole = keyof typeof STREAMER_QUEUES;

/** A queue that exists in the local SQS. */
export interface LocalQueue {
  readonly name: string;
  /** The `QueueUrl` to pass to SQS calls. */
  readonly url: string;
  /** For `RedrivePolicy`, `eventSourceARN` and failure destinations. */
  readonly arn: string;
}

/** Options for {@link startLocalSqs}. */
export interface LocalSqsOptions {
  /** Loopback port; the OS picks a free one when omitted (or 0). */
  readonly port?: number;
}

/** A running local SQS (fauxqs, in this process). */
export interface LocalSqs {
  /** `http://127.0.0.1:<port>`: give it as `endpoint` to every `SQSClient`. */
  readonly endpoint: string;
  readonly port: number;
  /** Streamer's queues, by role, already created. */
  readonly queues: Readonly<Record<QueueRole, LocalQueue>>;
  /** A client for this SQS with the one set of local credentials. The caller destroys it. */
  createClient(): SQSClient;
  /** Creates (or finds) another queue. */
  createQueue(definition: LocalQueueDefinition): Promise<LocalQueue>;
  /** Closes the server and every connection to it. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts fauxqs (an SQS emulator) inside this process on a loopback port and
 * creates Streamer's queues. Queue URLs are `http://127.0.0.1:<port>/000000000000/<name>`,
 * so an `SQSClient` reaches them whether it is given `endpoint` or only
 * `AWS_ENDPOINT_URL_SQS` (the SDK sends each call to its `QueueUrl`'s host
 * unless `endpoint` is set in code).
 *
 * fauxqs's own `startFauxqs()` listens on all interfaces and names queues
 * `sqs.<region>.localhost`, which does not resolve on every machine; this
 * builds the same app with its `buildApp()`, binds 127.0.0.1 only, and lets
 * queue URLs take the host the client called.
 *
 * @example
 * const sqs = await startLocalSqs();
 * const client = sqs.createClient();
 * await client.send(new SendMessageCommand({ QueueUrl: sqs.queues.wakeUp.url, MessageBody: '…', DelaySeconds: 30 }));
 * // …
 * client.destroy();
 * await sqs.stop();
 */
export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<LocalSqs> {
  const app = buildApp({ logger: false, ...(await storesWithLoopbackQueueUrls()) });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') {
    await app.close();
    throw new Error('fauxqs started but reports no TCP address');
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  const createClient = () => new SQSClient({ endpoint, ...LOCAL_AWS });
  const admin = createClient();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    admin.destroy();
    // fauxqs closes with forceCloseConnections, so pending long polls end at once.
    await app.close();
  };

  const createQueue = async (definition: LocalQueueDefinition): Promise<LocalQueue> => {
    const attributes: Record<string, string> = { ...definition.attributes };
    if (definition.deadLetter) {
      const target = await createQueue({ name: definition.deadLetter.queueName });
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: target.arn,
        maxReceiveCount: definition.deadLetter.maxReceiveCount,
      });
    }
    const created = await admin.send(
      new CreateQueueCommand({ QueueName: definition.name, Attributes: attributes }),
    );
    const url = created.QueueUrl;
    if (!url) throw new Error(`fauxqs created queue ${definition.name} without returning its URL`);
    const described = await admin.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    const arn = described.Attributes?.QueueArn;
    if (!arn) throw new Error(`fauxqs has no ARN for queue ${definition.name}`);
    return { name: definition.name, url, arn };
  };

  try {
    const entries = await Promise.all(
      (Object.keys(STREAMER_QUEUES) as QueueRole[]).map(
        async (role) => [role, await createQueue(STREAMER_QUEUES[role])] as const,
      ),
    );
    const queues = Object.fromEntries(entries) as Record<QueueRole, LocalQueue>;
    return { endpoint, port: address.port, queues, createClient, createQueue, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

type FauxqsStores = NonNullable<BuildAppOptions['stores']>;

/**
 * fauxqs's stores, with the SQS store told to build queue URLs from the
 * request's own `Host` (its documented behaviour when no `host` is set) rather
 * than `sqs.<region>.localhost`. The store classes are not exported from the
 * package root, so they are loaded from beside its entry point; should that
 * layout change, fauxqs's defaults are used and clients need `endpoint`.
 */
async function storesWithLoopbackQueueUrls(): Promise<{ stores: FauxqsStores } | undefined> {
  try {
    const entry = import.meta.resolve('fauxqs');
    const load = async (path: string, name: string): Promise<Record<string, unknown>> => {
      const module: Record<string, unknown> = await import(new URL(path, entry).href);
      const Store = module[name];
      if (typeof Store !== 'function') throw new Error(`fauxqs has no ${name} at ${path}`);
      return new (Store as new () => Record<string, unknown>)();
    };
    const sqsStore = await load('./sqs/sqsStore.js', 'SqsStore');
    if (typeof sqsStore.host !== 'string') throw new Error('fauxqs SqsStore has no host setting');
    sqsStore.host = '';
    const stores = {
      sqsStore,
      snsStore: await load('./sns/snsStore.js', 'SnsStore'),
      s3Store: await load('./s3/s3Store.js', 'S3Store'),
    };
    return { stores: stores as unknown as FauxqsStores };
  } catch {
    return undefined;
  }
}

import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** Why a batch was discarded, with the strings Lambda writes into `requestContext.condition`. */
export type DiscardCondition = 'RetryAttemptsExhausted' | 'MaximumRecordAgeExceeded';

/**
 * What Lambda sends to a stream mapping's on-failure destination when it gives
 * up on a batch: metadata pointing at the records (shard and sequence range),
 * never the records themselves. Read them back with `GetShardIterator`
 * (`AT_SEQUENCE_NUMBER` = `startSequenceNumber`) while the stream retains them.
 */
export interface StreamFailureRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: DiscardCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
  /** ISO 8601 time of the discard. */
  readonly timestamp: string;
  readonly DDBStreamBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

/** A callback that receives each discarded batch's {@link StreamFailureRecord}. */
export type StreamFailureCallback = (record: StreamFailureRecord) => Promise<void> | void;

/** An SQS queue that receives each {@link StreamFailureRecord} as a JSON message, like Lambda's `OnFailure` SQS destination. */
export interface SqsFailureDestination {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
}

/** Where discarded batches go: a callback, or an SQS queue. */
export type StreamFailureDestination = StreamFailureCallback | SqsFailureDestination;

/** Delivers one failure record to its destination. */
export async function deliverFailureRecord(
  destination: StreamFailureDestination,
  record: StreamFailureRecord,
): Promise<void> {
  if (typeof destination === 'function') {
    await destination(record);
    return;
  }
  await destination.sqs.send(
    new SendMessageCommand({ QueueUrl: destination.queueUrl, MessageBody: JSON.stringify(record) }),
  );
}

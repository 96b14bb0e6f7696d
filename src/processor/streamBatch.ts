import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { recordsByRequest } from '../events/dynamodb';

/**
 * Handles a batch of stream records as wake-ups, one call per request (in
 * parallel: each request's log is read by query, so record order across
 * requests does not matter), given that request's records of the batch. A
 * request whose handling throws is reported as a batch item failure at its
 * first record, so Lambda retries from there (`ReportBatchItemFailures`);
 * the others are checkpointed.
 */
export async function handleRecordsByRequest(
  records: readonly DynamoDBRecord[],
  handle: (requestKey: string, records: readonly DynamoDBRecord[]) => Promise<unknown>,
  onError: (requestKey: string, error: unknown) => void = () => undefined,
): Promise<DynamoDBBatchResponse> {
  const failures = await Promise.all(
    [...recordsByRequest(records)].map(async ([requestKey, ofRequest]) => {
      const sequence = ofRequest[0]?.dynamodb?.SequenceNumber;
      try {
        await handle(requestKey, ofRequest);
        return undefined;
      } catch (error) {
        onError(requestKey, error);
        return sequence;
      }
    }),
  );
  return {
    batchItemFailures: failures
      .filter((sequence): sequence is string => sequence !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}

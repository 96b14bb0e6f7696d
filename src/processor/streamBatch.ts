import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { recordsByRequest } from '../events/dynamodb';

/**
 * Handles a batch of stream records as wake-ups, one call per request (in
 * parallel: each request's log is read by query, so record order across
 * requests does not matter), given that request's records of the batch,
 * through Powertools' batch processor. A request whose handling throws is
 * reported as a batch item failure at its first record, so Lambda retries
 * from there (`ReportBatchItemFailures`); the others are checkpointed. A
 * batch that fails whole is reported as such (not thrown), so the mapping
 * retries and bisects it like any partial failure.
 */
export async function handleRecordsByRequest(
  records: readonly DynamoDBRecord[],
  handle: (requestKey: string, records: readonly DynamoDBRecord[]) => Promise<unknown>,
  onError: (requestKey: string, error: unknown) => void = () => undefined,
): Promise<DynamoDBBatchResponse> {
  const byFirstRecord = new Map<DynamoDBRecord, [string, DynamoDBRecord[]]>();
  for (const [requestKey, ofRequest] of recordsByRequest(records)) {
    if (ofRequest[0]) byFirstRecord.set(ofRequest[0], [requestKey, ofRequest]);
  }
  const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
    const [requestKey, ofRequest] = byFirstRecord.get(record) as [string, DynamoDBRecord[]];
    try {
      await handle(requestKey, ofRequest);
    } catch (error) {
      onError(requestKey, error);
      throw error;
    }
  };
  // One processor per call: it keeps the batch's results, and the local stack runs invocations at once.
  return processPartialResponse(
    { Records: [...byFirstRecord.keys()] },
    handleRecord,
    new BatchProcessor(EventType.DynamoDBStreams),
    { throwOnFullBatchFailure: false },
  );
}

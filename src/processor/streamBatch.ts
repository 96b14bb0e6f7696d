import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { firstRecordOfEachRequest } from '../events/dynamodb';

/**
 * Handles a batch of stream records as wake-ups, one call per request (in
 * parallel: each request's log is read by query, so record order across
 * requests does not matter), through Powertools' batch processor. A request
 * whose handling throws is reported as a batch item failure at its first
 * record, so Lambda retries from there (`ReportBatchItemFailures`); the
 * others are checkpointed. A batch that fails whole is reported as such
 * (not thrown), so the mapping retries and bisects it like any partial failure.
 */
export async function handleRecordsByRequest(
  records: readonly DynamoDBRecord[],
  handle: (requestKey: string) => Promise<unknown>,
  onError: (requestKey: string, error: unknown) => void = () => undefined,
): Promise<DynamoDBBatchResponse> {
  const firsts = [...firstRecordOfEachRequest(records)];
  const keys = new Map(firsts.map(([requestKey, record]) => [record, requestKey]));
  const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
    const requestKey = keys.get(record) as string;
    try {
      await handle(requestKey);
    } catch (error) {
      onError(requestKey, error);
      throw error;
    }
  };
  // One processor per call: it keeps the batch's results, and the local stack runs invocations at once.
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return processPartialResponse(
    { Records: firsts.map(([, record]) => record) },
    handleRecord,
    processor,
    {
      throwOnFullBatchFailure: false,
    },
  );
}

import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handleRecordsByRequest } from '../../src/processor/streamBatch';

const record = (requestKey: string, sequence: string): DynamoDBRecord => ({
  eventName: 'INSERT',
  dynamodb: { Keys: { requestKey: { S: requestKey } }, SequenceNumber: sequence },
});

describe('handleRecordsByRequest', () => {
  it('handles each request once and reports a failing one at its first record', async () => {
    // Prepare: two records of a, one of b, one more of a
    const records = [record('t#a', '100'), record('t#b', '200'), record('t#a', '300')];
    const handled: string[] = [];
    const errors: string[] = [];
    // Act: b fails
    const response = await handleRecordsByRequest(
      records,
      async (requestKey) => {
        handled.push(requestKey);
        if (requestKey === 't#b') throw new Error('boom');
      },
      (requestKey) => errors.push(requestKey),
    );
    // Assess
    expect(handled.sort()).toEqual(['t#a', 't#b']);
    expect(errors).toEqual(['t#b']);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: '200' }] });
  });
});

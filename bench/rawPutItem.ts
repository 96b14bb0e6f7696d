import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';

/** The progress payload every storage scenario writes, so store and raw items are the same size. */
export const BENCH_PROGRESS_DATA = {
  stepId: 'render',
  percentage: 42,
  message: 'rendering page 3 of 7',
} as const;

/**
 * The raw baseline of every storage figure: unconditional `PutItem` of an
 * event-sized item on the requests table, `writers` at a time, each writer
 * putting `perWriter` items to its own partition one after the other.
 * Resolves with the puts per second achieved.
 */
export async function rawPutItemRate(
  client: DynamoDBClient,
  tableName: string,
  writers: number,
  perWriter: number,
): Promise<number> {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const requestKey = `bench#${ulid()}`;
      for (let seq = 1; seq <= perWriter; seq++) {
        const Item = marshall({
          requestKey,
          seq,
          type: 'step.progress',
          at: Date.now(),
          tenantId: 'bench',
          userId: 'u',
          data: JSON.stringify(BENCH_PROGRESS_DATA),
          schemaVersion: 1,
        });
        await client.send(new PutItemCommand({ TableName: tableName, Item }));
      }
    }),
  );
  return (writers * perWriter) / ((performance.now() - started) / 1000);
}

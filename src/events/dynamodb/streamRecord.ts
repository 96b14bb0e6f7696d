import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import type { StoredEvent } from '../event';
import { fromEventItem } from '../eventItem';

/**
 * Parses one DynamoDB Streams record of the requests table (view type
 * NEW_IMAGE) back into the event that was appended. Returns `undefined` for
 * records that carry no new image (a `REMOVE`), which the log never produces
 * but a consumer must not crash on. Throws when the image is not an event.
 */
export function parseStreamRecord(record: DynamoDBRecord): StoredEvent | undefined {
  const image = record.dynamodb?.NewImage;
  if (!image) return undefined;
  // @types/aws-lambda and the SDK describe the same wire shape with two types.
  return fromEventItem(unmarshall(image as Record<string, SdkAttributeValue>));
}

/**
 * The first record of each request a batch touches, in first-seen order.
 * Consumers treat records as wake-ups and read each log by query, because
 * record order across items is not guaranteed; the first record is where a
 * partial batch failure of that request is reported.
 */
export function firstRecordOfEachRequest(
  records: readonly DynamoDBRecord[],
): Map<string, DynamoDBRecord> {
  const first = new Map<string, DynamoDBRecord>();
  for (const record of records) {
    const id = record.dynamodb?.Keys?.requestKey?.S;
    if (id && !first.has(id)) first.set(id, record);
  }
  return first;
}

/** The distinct request keys a batch of stream records touches, in first-seen order. */
export function requestKeysOf(records: readonly DynamoDBRecord[]): string[] {
  return [...firstRecordOfEachRequest(records).keys()];
}

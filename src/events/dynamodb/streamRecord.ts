import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { eventsOfItem } from '../commitItem';
import type { StoredEvent } from '../event';

/**
 * Parses one DynamoDB Streams record of the requests table (view type
 * NEW_IMAGE) back into the events of the commit that was appended, in `seq`
 * order (one event for an item of the first layout). Returns none for a
 * record without a new image (a `REMOVE`), which the log never produces but
 * a consumer must not crash on. Throws `CorruptLogItemError` when the image
 * is not a log item.
 */
export function parseStreamRecord(record: DynamoDBRecord): StoredEvent[] {
  const image = record.dynamodb?.NewImage;
  if (!image) return [];
  // @types/aws-lambda and the SDK describe the same wire shape with two types.
  return eventsOfItem(unmarshall(image as Record<string, SdkAttributeValue>));
}

/**
 * The events a request's records carry, for a consumer that folds them
 * instead of reading the log. A record that does not parse is left out: the
 * consumer then finds a gap and reads the log, where the same item fails
 * loudly (`CorruptLogItemError`).
 */
export function eventsOfRecords(records: readonly DynamoDBRecord[]): StoredEvent[] {
  return records.flatMap((record) => {
    try {
      return parseStreamRecord(record);
    } catch {
      return [];
    }
  });
}

/**
 * The event types a record's commit holds, read from its `types` string set
 * without decoding the events (or the `type` of a first-layout item): what
 * a consumer filters wake-ups on, like the mapping's filter criteria.
 */
export function eventTypesOfRecord(record: DynamoDBRecord): readonly string[] {
  const image = record.dynamodb?.NewImage;
  return image?.types?.SS ?? (image?.type?.S !== undefined ? [image.type.S] : []);
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
  for (const [requestKey, ofRequest] of recordsByRequest(records)) {
    first.set(requestKey, ofRequest[0] as DynamoDBRecord);
  }
  return first;
}

/** A batch's records grouped by request, requests in first-seen order, records in batch order. */
export function recordsByRequest(
  records: readonly DynamoDBRecord[],
): Map<string, DynamoDBRecord[]> {
  const grouped = new Map<string, DynamoDBRecord[]>();
  for (const record of records) {
    const id = record.dynamodb?.Keys?.requestKey?.S;
    if (!id) continue;
    const ofRequest = grouped.get(id);
    if (ofRequest) ofRequest.push(record);
    else grouped.set(id, [record]);
  }
  return grouped;
}

/** The distinct request keys a batch of stream records touches, in first-seen order. */
export function requestKeysOf(records: readonly DynamoDBRecord[]): string[] {
  return [...recordsByRequest(records).keys()];
}

import type {
  AttributeValue as SdkAttributeValue,
  _Record as SdkRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';

/**
 * Turns one attribute value as the Streams SDK returns it (binary as
 * `Uint8Array`) into the JSON shape Lambda puts in its event (binary as
 * base64), recursing into maps and lists.
 */
export function toLambdaAttributeValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  throw new TypeError(`Unknown DynamoDB attribute value type: ${Object.keys(value).join(', ')}`);
}

/** Converts a whole item image (or key map) with {@link toLambdaAttributeValue}. */
export function toLambdaImage(
  image: Record<string, SdkAttributeValue>,
): Record<string, AttributeValue> {
  // A null-prototype object, so an attribute named `__proto__` stays data.
  const out: Record<string, AttributeValue> = Object.create(null);
  for (const [name, value] of Object.entries(image)) out[name] = toLambdaAttributeValue(value);
  return out;
}

/** Where a record came from, which Lambda stamps on every record it passes. */
export interface RecordSource {
  /** The stream ARN (`eventSourceARN`). */
  readonly streamArn: string;
  /** `awsRegion`; DynamoDB Local says `ddblocal`, Lambda says a real region. */
  readonly region: string;
}

/**
 * Converts a record from `GetRecords` into exactly what Lambda's DynamoDB
 * event source mapping hands a function: `ApproximateCreationDateTime` as
 * epoch seconds, binary as base64, `eventSourceARN` and `awsRegion` set.
 *
 * @example
 * const event: DynamoDBStreamEvent = { Records: out.Records.map((r) => toLambdaRecord(r, source)) };
 */
export function toLambdaRecord(record: SdkRecord, source: RecordSource): DynamoDBRecord {
  const stream = record.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion,
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: source.region,
    eventSourceARN: source.streamArn,
    dynamodb: {
      ...(created && { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) }),
      ...(stream.Keys && { Keys: toLambdaImage(stream.Keys) }),
      ...(stream.NewImage && { NewImage: toLambdaImage(stream.NewImage) }),
      ...(stream.OldImage && { OldImage: toLambdaImage(stream.OldImage) }),
      SequenceNumber: stream.SequenceNumber,
      SizeBytes: stream.SizeBytes,
      StreamViewType: stream.StreamViewType,
    },
    ...(record.userIdentity && {
      userIdentity: {
        type: record.userIdentity.Type,
        principalId: record.userIdentity.PrincipalId,
      },
    }),
  };
}

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A table name, or a function giving it when first needed (so config can be read lazily). */
export type TableNameSource = string | (() => string);

/** Resolves a {@link TableNameSource}. */
export function resolveTableName(source: TableNameSource): string {
  return typeof source === 'function' ? source() : source;
}

/** The document client the connection stores share: plain JS values in, plain JS values out. */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

import type { KeySchemaElement, Projection } from '@aws-sdk/client-dynamodb';
import { type GlobalIndexDefinition, type IndexProjection, projectionOf } from './definitions';

/** An index as `CreateTable` and `UpdateTable`'s `Create` take it (on-demand: no throughput). */
export interface IndexInput {
  readonly IndexName: string;
  readonly KeySchema: KeySchemaElement[];
  readonly Projection: Projection;
}

/** Turns a shared index definition into the SDK's index input, projection included. */
export function toIndexInput(index: GlobalIndexDefinition): IndexInput {
  return {
    IndexName: index.indexName,
    KeySchema: [
      { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
      ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }] : []),
    ],
    Projection: toSdkProjection(projectionOf(index)),
  };
}

/** The SDK's `Projection` for a shared projection. */
export function toSdkProjection(projection: IndexProjection): Projection {
  return projection.type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] }
    : { ProjectionType: projection.type };
}

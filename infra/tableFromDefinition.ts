import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import {
  type IndexProjection,
  type KeyAttribute,
  projectionOf,
  type TableDefinition,
} from '../src/tables/definitions';

/** How a table is kept, beside its shape (which comes from the shared definition). */
export interface TableOptions {
  readonly tableName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  /** A customer-managed key; default: the AWS-managed key (`aws/dynamodb`). */
  readonly encryptionKey?: IKey;
}

const toAttribute = (key: KeyAttribute): Attribute => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * Builds a DynamoDB table from one of the shared definitions in
 * `src/tables/definitions.ts`, the very objects the local stack creates its
 * tables from, so AWS and DynamoDB Local never drift apart. On-demand
 * billing, point-in-time recovery and KMS encryption (the AWS-managed key, or
 * `encryptionKey`) are always on.
 *
 * @example
 * const requests = tableFromDefinition(this, tables.requests, { tableName: 'streamer-dev-Requests', … });
 */
export function tableFromDefinition(
  scope: Construct,
  definition: TableDefinition,
  options: TableOptions,
): Table {
  const table = new Table(scope, definition.id, {
    tableName: options.tableName,
    partitionKey: toAttribute(definition.partitionKey),
    ...(definition.sortKey && { sortKey: toAttribute(definition.sortKey) }),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    ...(options.encryptionKey
      ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: options.encryptionKey }
      : { encryption: TableEncryption.AWS_MANAGED }),
    removalPolicy: options.removalPolicy,
    deletionProtection: options.deletionProtection,
    ...(definition.timeToLiveAttribute && {
      timeToLiveAttribute: definition.timeToLiveAttribute,
    }),
    ...(definition.stream && { stream: toStreamViewType(definition.stream) }),
  });
  for (const index of definition.globalIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      ...(index.sortKey && { sortKey: toAttribute(index.sortKey) }),
      ...toCdkProjection(projectionOf(index)),
    });
  }
  return table;
}

function toCdkProjection(projection: IndexProjection): {
  projectionType: ProjectionType;
  nonKeyAttributes?: string[];
} {
  switch (projection.type) {
    case 'ALL':
      return { projectionType: ProjectionType.ALL };
    case 'KEYS_ONLY':
      return { projectionType: ProjectionType.KEYS_ONLY };
    case 'INCLUDE':
      return {
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...projection.attributes],
      };
  }
}

function toStreamViewType(view: NonNullable<TableDefinition['stream']>): StreamViewType {
  switch (view) {
    case 'NEW_IMAGE':
      return StreamViewType.NEW_IMAGE;
  }
}

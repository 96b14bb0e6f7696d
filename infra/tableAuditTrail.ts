import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { type CfnTrail, Trail } from 'aws-cdk-lib/aws-cloudtrail';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** CloudTrail data events for the tables: who read or wrote which item, when. */
export interface AuditLogSettings {
  /**
   * Log reads too (`GetItem`, `Query`, …), not only writes. Default false:
   * every stream poll and runner replay is a read, and CloudTrail bills data
   * events per 100,000.
   */
  readonly includeReads?: boolean;
  /** Where the trail writes. Default: a new encrypted, versioned, SSL-only bucket. */
  readonly bucket?: IBucket;
  /** How long the created bucket keeps log files. Default: 365 days. */
  readonly retention?: Duration;
}

/** Props of {@link TableAuditTrail}. */
export interface TableAuditTrailProps extends AuditLogSettings {
  readonly prefix: string;
  readonly tables: readonly Table[];
  readonly removalPolicy: RemovalPolicy;
}

/**
 * A trail recording DynamoDB data events of exactly Streamer's tables (an
 * advanced event selector on their ARNs), and no management events: the
 * account's own trail already has those.
 */
export class TableAuditTrail extends Construct {
  readonly trail: Trail;
  readonly bucket: IBucket;

  constructor(scope: Construct, id: string, props: TableAuditTrailProps) {
    super(scope, id);
    this.bucket =
      props.bucket ??
      new Bucket(this, 'Bucket', {
        encryption: BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        versioned: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        lifecycleRules: [{ expiration: props.retention ?? Duration.days(365) }],
        removalPolicy: props.removalPolicy,
      });
    this.trail = new Trail(this, 'Trail', {
      trailName: `${props.prefix}-table-data-events`,
      bucket: this.bucket,
      includeGlobalServiceEvents: false,
      isMultiRegionTrail: false,
      enableFileValidation: true,
    });
    const cfn = this.trail.node.defaultChild as CfnTrail;
    // Advanced selectors replace the basic ones (and with them management events);
    // CloudTrail refuses a trail with both, even an empty basic list.
    cfn.addPropertyDeletionOverride('EventSelectors');
    cfn.advancedEventSelectors = [
      {
        name: 'Streamer table data events',
        fieldSelectors: [
          { field: 'eventCategory', equalTo: ['Data'] },
          { field: 'resources.type', equalTo: ['AWS::DynamoDB::Table'] },
          { field: 'resources.ARN', equalTo: props.tables.map((table) => table.tableArn) },
          ...(props.includeReads ? [] : [{ field: 'readOnly', equalTo: ['false'] }]),
        ],
      },
    ];
  }
}

import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { RequestViewIndexProjection } from '../src/tables/definitions';
import type { StageSettings } from './stages';
import { type JwtSettings, StreamerEngine, type StreamerEngineProps } from './streamerEngine';

/** Props of {@link StreamerStack}. */
export interface StreamerStackProps extends StackProps {
  readonly settings: StageSettings;
  readonly jwt: JwtSettings;
  /** See {@link StreamerEngineProps.workflows}. */
  readonly workflowsModule?: string;
  /** Creates an SNS topic for the alarms and subscribes this address to it. */
  readonly alarmEmail?: string;
  /** An existing topic for the alarms (wins over `alarmEmail`). */
  readonly alarmTopic?: ITopic;
  /**
   * Run the functions in this VPC's private subnets (looked up at synth
   * time, which needs AWS credentials and an `env` with account and region).
   */
  readonly vpcId?: string;
  /** `'create'`, or the ARN of your KMS key, for the tables and queues. */
  readonly encryptionKey?: string;
  /** Record the tables' write data events (`'writes'`) or all data events (`'all'`) in CloudTrail. */
  readonly auditLog?: 'writes' | 'all';
  /** See {@link StreamerEngineProps.accessLogs}. */
  readonly accessLogs?: boolean;
  /** See {@link StreamerEngineProps.requestViewIndexProjection}. */
  readonly requestViewIndexProjection?: RequestViewIndexProjection;
}

/**
 * One environment of Streamer: the {@link StreamerEngine} plus the outputs a
 * client and an operator need (WebSocket URL, Management API endpoint, queue
 * URLs, table names).
 */
export class StreamerStack extends Stack {
  readonly engine: StreamerEngine;

  constructor(scope: Construct, id: string, props: StreamerStackProps) {
    super(scope, id, props);
    let topic = props.alarmTopic;
    if (!topic && props.alarmEmail) {
      const created = new Topic(this, 'AlarmTopic', {
        topicName: `${props.settings.prefix}-alarms`,
      });
      created.addSubscription(new EmailSubscription(props.alarmEmail));
      topic = created;
    }
    this.engine = new StreamerEngine(this, 'Engine', {
      stage: props.settings,
      jwt: props.jwt,
      ...(props.workflowsModule && { workflows: props.workflowsModule }),
      ...(topic && { alarmTopic: topic }),
      ...(props.vpcId && { vpc: { vpc: Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId }) } }),
      ...(props.encryptionKey && {
        encryptionKey:
          props.encryptionKey === 'create'
            ? 'create'
            : Key.fromKeyArn(this, 'EncryptionKey', props.encryptionKey),
      }),
      ...(props.auditLog && { auditLog: { includeReads: props.auditLog === 'all' } }),
      ...(props.accessLogs && { accessLogs: true }),
      ...(props.requestViewIndexProjection && {
        requestViewIndexProjection: props.requestViewIndexProjection,
      }),
    } satisfies StreamerEngineProps);

    const { engine } = this;
    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('WebSocketUrl', engine.webSocketUrl, 'Connect here: wss://…?Authorization=<JWT>');
    output('ManagementApiEndpoint', engine.managementEndpoint, 'Where frames are posted');
    output('DeadLetterQueueUrl', engine.deadLetterQueue.queueUrl, 'Dead-lettered requests');
    output('FailedEventsQueueUrl', engine.failedEventsQueue.queueUrl, 'Dropped stream batches');
    output('WakeUpQueueUrl', engine.wakeUpQueue.queueUrl, 'Delayed wake-ups (timers)');
    output('RequestsTableName', engine.tables.requests.tableName, 'The event log');
    output('RequestViewTableName', engine.tables.requestView.tableName, 'The request view');
    if (topic) output('AlarmTopicArn', topic.topicArn, 'Alarm notifications');
  }
}

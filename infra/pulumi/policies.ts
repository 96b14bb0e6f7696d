import * as pulumi from '@pulumi/pulumi';
import type { TableRole } from '../../src/tables/definitions';
import { FUNCTION_ACCESS, tableActions } from '../functionAccess';
import type { FunctionKind } from '../functionEntries';

/** One IAM statement, with ARNs that may be deploy-time outputs. */
export interface Statement {
  readonly Effect: 'Allow';
  readonly Action: string[];
  readonly Resource: pulumi.Input<string>[];
}

/** The ARNs a function's policy may name. */
export interface PolicyTargets {
  readonly tables: Readonly<Record<TableRole, { arn: pulumi.Input<string> }>>;
  readonly requestsStreamArn: pulumi.Input<string>;
  readonly queues: {
    readonly deadLetter: pulumi.Input<string>;
    readonly wakeUp: pulumi.Input<string>;
    readonly failedEvents: pulumi.Input<string>;
  };
  /** `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>`. */
  readonly stageExecutionArn: pulumi.Input<string>;
  readonly logGroupArn: pulumi.Input<string>;
  readonly kmsKeyArn?: pulumi.Input<string>;
}

const SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
const CONSUME = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
const STREAM = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'];

/**
 * The statements of one function's role, from the same access table as the
 * CDK construct's grants (`FUNCTION_ACCESS`), plus what its mappings need
 * (the stream, the wake-up queue, the on-failure destination) and its own
 * logs and traces. Only X-Ray and `dynamodb:ListStreams` are granted on `*`.
 */
export function functionStatements(kind: FunctionKind, targets: PolicyTargets): Statement[] {
  const access = FUNCTION_ACCESS[kind];
  const allow = (Action: string[], Resource: pulumi.Input<string>[]): Statement => ({
    Effect: 'Allow',
    Action,
    Resource,
  });
  const statements: Statement[] = [
    allow(
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [pulumi.interpolate`${targets.logGroupArn}:*`],
    ),
    allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
  ];
  for (const [role, mode] of Object.entries(access.tables) as [TableRole, 'read'][]) {
    const arn = targets.tables[role].arn;
    statements.push(allow(tableActions(mode), [arn, pulumi.interpolate`${arn}/index/*`]));
  }
  const sendTo = access.sendTo.map((queue) => targets.queues[queue]);
  if (kind === 'processor' || kind === 'projector') {
    statements.push(allow(STREAM, [targets.requestsStreamArn]));
    statements.push(allow(['dynamodb:ListStreams'], ['*']));
    sendTo.push(targets.queues.failedEvents);
  }
  if (sendTo.length > 0) statements.push(allow(SEND, sendTo));
  if (kind === 'runner') statements.push(allow(CONSUME, [targets.queues.wakeUp]));
  if (access.manageConnections) {
    statements.push(
      allow(
        ['execute-api:ManageConnections'],
        [pulumi.interpolate`${targets.stageExecutionArn}/*/@connections/*`],
      ),
    );
  }
  if (targets.kmsKeyArn && kind !== 'authorizer') {
    statements.push(
      allow(
        ['kms:Decrypt', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        [targets.kmsKeyArn],
      ),
    );
  }
  return statements;
}

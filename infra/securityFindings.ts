import { Stack, Validations } from 'aws-cdk-lib';
import { CfnPolicy, type IRole } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { StreamerEngine } from './streamerEngine';

/**
 * Acknowledges, with the reason next to each, the findings of cdk-nag's
 * `AwsSolutions` pack that the engine cannot fix, through CDK's own
 * `Validations.of(…).acknowledge` (what cdk-nag 3 reads), so the construct
 * needs no cdk-nag at run time. Wildcard permissions are acknowledged one
 * finding at a time, and only those this file can explain: a wildcard that
 * someone adds later (to a role, or in a new grant) is still reported.
 * `test/infra/securityRules.unit.test.ts` runs the pack.
 */
export function acknowledgeSecurityFindings(engine: StreamerEngine, accessLogs: boolean): void {
  const ack = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });

  ack(
    engine.deadLetterQueue,
    'AwsSolutions-SQS3',
    'This FIFO queue is itself the dead-letter queue of the engine: the back end sends exactly one message per dead-lettered request to it, and the redrive CLI drains it.',
  );
  for (const route of ['$disconnect-Route', '$default-Route']) {
    ack(
      engine.webSocketApi.node.findChild(route),
      'AwsSolutions-APIG4',
      'API Gateway runs WebSocket authorizers on $connect only; every later message of the connection is the one the authorizer allowed, and the router reads tenant and user from that authorization.',
    );
  }
  if (!accessLogs) {
    ack(
      engine.webSocketStage,
      'AwsSolutions-APIG1',
      'Access logs need the account-wide API Gateway CloudWatch role, which one stack should not own; turn them on with the accessLogs prop once the account has it (docs/deploy.md). The functions log every connect, message and disconnect.',
    );
  }
  for (const fn of Object.values(engine.functions)) {
    ack(
      fn,
      'AwsSolutions-L1',
      'DESIGN §7 fixes Node.js 22: the bundles are built for and tested on node22; move runtime and esbuild target together.',
    );
  }
  ack(
    engine.live,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited]',
    "CodeDeploy's service role for Lambda deployments, in its limited form (invoke hooks named CodeDeployHook_*, update aliases, read alarms); AWS maintains it with the service.",
  );
  if (engine.network) {
    for (const [kind, fn] of Object.entries(engine.functions)) {
      if (kind === 'authorizer' || !fn.role) continue;
      ack(
        fn.role,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
        'Lambda needs the ENI actions of this AWS-maintained policy to attach the function to your subnets; AWS does not allow them to be scoped to a subnet.',
      );
    }
  }
  const bucket = engine.auditTrail?.bucket;
  if (bucket && bucket.node.scope === engine.auditTrail) {
    ack(
      bucket,
      'AwsSolutions-S1',
      "This bucket holds the trail's own log files (validated by CloudTrail's digest files); logging access to it would need yet another bucket. Give auditLog.bucket to use your central, access-logged one.",
    );
  }
  for (const fn of Object.values(engine.functions)) {
    if (fn.role) acknowledgeExplainedWildcards(engine, fn.role);
  }
}

/** Actions AWS does not scope to a resource: they can only be granted on `*`. */
const UNSCOPABLE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'dynamodb:ListStreams',
]);

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Acknowledges each wildcard of the role's default policy that {@link explainWildcard} can explain. */
function acknowledgeExplainedWildcards(engine: StreamerEngine, role: IRole): void {
  const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
  if (!(policy instanceof CfnPolicy)) return;
  const stack = Stack.of(engine);
  const document = stack.resolve(policy.policyDocument) as { Statement?: Statement[] };
  const known = {
    tables: new Set(Object.values(engine.tables).map((t) => flatten(stack.resolve(t.tableArn)))),
    api: flatten(stack.resolve(engine.webSocketApi.apiId)),
    key: engine.encryptionKey ? flatten(stack.resolve(engine.encryptionKey.keyArn)) : undefined,
  };
  for (const statement of document.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    const actions = list(statement.Action);
    const resources = list(statement.Resource).map(flatten);
    const findings = [
      ...actions.filter((a) => a.includes('*')).map((a) => `Action::${a}`),
      ...resources.filter((r) => r.includes('*')).map((r) => `Resource::${r}`),
    ];
    for (const finding of findings) {
      const reason = explainWildcard(finding, actions, resources, known);
      if (reason) {
        Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
      }
    }
  }
}

/** Why one wildcard is as narrow as AWS allows, or undefined when it is not one of the engine's own. */
function explainWildcard(
  finding: string,
  actions: readonly string[],
  resources: readonly string[],
  known: { tables: Set<string>; api: string; key: string | undefined },
): string | undefined {
  if (finding === 'Resource::*' && actions.every((a) => UNSCOPABLE_ACTIONS.has(a))) {
    return 'X-Ray segment upload and DynamoDB ListStreams cannot be scoped to a resource.';
  }
  const index = /^Resource::(.+)\/index\/\*$/.exec(finding);
  if (index?.[1] && known.tables.has(index[1])) {
    return "The grant on one of the engine's tables covers that table's own indexes (queried by connection, tenant and status).";
  }
  if (finding.startsWith('Resource::') && finding.endsWith('/*/@connections/*')) {
    if (finding.includes(known.api)) {
      return 'Connection ids exist only at run time; the grant is this API and stage’s Management API only.';
    }
  }
  if (/^Action::kms:(ReEncrypt|GenerateDataKey)\*$/.test(finding) && known.key) {
    if (resources.every((r) => r === known.key)) {
      return "CDK's grant on the engine's own customer-managed key (that key only) to read and write its encrypted tables and queues.";
    }
  }
  return undefined;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A resolved CloudFormation value as cdk-nag prints it in finding ids (`<Logical.Attr>`, `<Ref>`, joins concatenated). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flatten(value['Fn::ImportValue']);
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

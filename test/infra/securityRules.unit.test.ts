import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_KINDS } from '../../infra/functionEntries';
import { stageSettings } from '../../infra/stages';
import { StreamerEngine } from '../../infra/streamerEngine';
import { StreamerStack } from '../../infra/streamerStack';
import { SYNTH_TIMEOUT_MS } from './synthEngine';

/** One finding of the rule pack: the rule (with its finding, e.g. `AwsSolutions-IAM5[Action::s3:*]`) and where. */
interface Finding {
  readonly rule: string;
  readonly paths: readonly string[];
}

interface Checked {
  readonly stack: Stack;
  readonly template: Template;
  readonly findings: readonly Finding[];
}

const ENV = { account: '123456789012', region: 'eu-west-1' };
const JWT = { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' };

/**
 * Synthesizes the stack `build` makes with cdk-nag's AwsSolutions pack as a
 * validation plugin and returns what it reported (the plugin fails the synth
 * on any finding, after writing its report).
 */
/** One assembly directory for every stack of this file, so CDK builds the bundles once. */
const outdir = mkdtempSync(join(tmpdir(), 'streamer-nag-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

function checkWithAwsSolutions(build: (app: App) => Stack): Checked {
  const app = new App({ outdir });
  const stack = build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
    }[];
  };
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => ({
      rule: v.ruleName,
      paths: v.violatingConstructs.map((c) => c.constructPath),
    })),
  );
  if (failure && findings.length === 0) throw failure;
  const template = JSON.parse(
    readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8'),
  );
  return { stack, template: Template.fromJSON(template), findings };
}

let defaults: Checked;
let hardened: Checked & { engine: StreamerEngine };
let widened: Checked;

beforeAll(() => {
  // Three stacks in one file and one assembly directory: the bundles are built once.
  defaults = checkWithAwsSolutions(
    (app) =>
      new StreamerStack(app, 'Default', { settings: stageSettings('prod'), jwt: JWT, env: ENV }),
  );
  let engine: StreamerEngine | undefined;
  const checked = checkWithAwsSolutions((app) => {
    const stack = new Stack(app, 'Hardened', { env: ENV });
    // Stands for the user's VPC: two AZs of private subnets with NAT, flow logs on.
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2 });
    vpc.addFlowLog('FlowLog');
    engine = new StreamerEngine(stack, 'Engine', {
      stage: stageSettings('dev'),
      jwt: JWT,
      vpc: { vpc },
      encryptionKey: 'create',
      auditLog: {},
      accessLogs: true,
    });
    return stack;
  });
  hardened = { ...checked, engine: engine as StreamerEngine };
  widened = checkWithAwsSolutions((app) => {
    const stack = new StreamerStack(app, 'Widened', {
      settings: stageSettings('dev'),
      jwt: JWT,
      env: ENV,
    });
    const processorRole = stack.engine.functions.processor.role;
    if (!processorRole) throw new Error('processor has no role');
    // A careless later change: a wildcard action on the role, and a policy granting everything.
    processorRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:*'], resources: ['arn:aws:s3:::reports/*'] }),
    );
    new Policy(stack, 'Everything', {
      roles: [processorRole],
      statements: [new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] })],
    });
    return stack;
  });
}, SYNTH_TIMEOUT_MS);

describe('the AwsSolutions rule pack (cdk-nag)', () => {
  it('finds nothing unexplained in the default stack', () => {
    expect(defaults.findings).toEqual([]);
  });

  it('finds nothing unexplained in the stack with a VPC, a customer-managed key, a data-event trail and access logs', () => {
    expect(hardened.findings).toEqual([]);
  });

  it('fails a stack that grants wildcard permissions, naming each one', () => {
    const rules = widened.findings.map((f) => f.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Action::s3:*]',
        'AwsSolutions-IAM5[Action::dynamodb:*]',
        'AwsSolutions-IAM5[Resource::*]',
      ]),
    );
    const everything = widened.findings.find((f) => f.rule === 'AwsSolutions-IAM5[Resource::*]');
    expect(everything?.paths).toEqual(['Widened/Everything/Resource']);
  });
});

type Resource = { Type: string; Properties: Record<string, unknown> };
const resourcesOf = (checked: Checked, type: string) =>
  Object.values(checked.template.findResources(type) as Record<string, Resource>);
const logicalId = (checked: Checked, construct: { node: { defaultChild?: unknown } }) =>
  checked.stack.getLogicalId(construct.node.defaultChild as never);

describe('the VPC option', () => {
  it('puts every function but the authorizer in the private subnets, behind one HTTPS-out security group', () => {
    const { engine } = hardened;
    const groupId = logicalId(hardened, engine.network?.securityGroup as never);
    for (const kind of FUNCTION_KINDS) {
      const fn = hardened.template.toJSON().Resources[logicalId(hardened, engine.functions[kind])];
      if (kind === 'authorizer') {
        expect(fn.Properties.VpcConfig).toBeUndefined();
        continue;
      }
      expect(fn.Properties.VpcConfig.SecurityGroupIds).toEqual([
        { 'Fn::GetAtt': [groupId, 'GroupId'] },
      ]);
      expect(JSON.stringify(fn.Properties.VpcConfig.SubnetIds)).toContain('PrivateSubnet');
    }
    const [group] = resourcesOf(hardened, 'AWS::EC2::SecurityGroup').filter((g) =>
      String(g.Properties.GroupDescription).startsWith('Streamer functions'),
    );
    expect(group?.Properties.SecurityGroupEgress).toEqual([
      expect.objectContaining({
        CidrIp: '0.0.0.0/0',
        FromPort: 443,
        ToPort: 443,
        IpProtocol: 'tcp',
      }),
    ]);
    expect(group?.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it('reaches DynamoDB through a gateway endpoint and SQS and X-Ray through interface endpoints', () => {
    const endpoints = resourcesOf(hardened, 'AWS::EC2::VPCEndpoint').map((e) => e.Properties);
    const service = (e: Record<string, unknown>) => JSON.stringify(e.ServiceName);
    expect(endpoints.find((e) => service(e).includes('.dynamodb'))).toMatchObject({
      VpcEndpointType: 'Gateway',
    });
    for (const name of ['sqs', 'xray']) {
      expect(endpoints.find((e) => service(e).includes(`.${name}`))).toMatchObject({
        VpcEndpointType: 'Interface',
        PrivateDnsEnabled: true,
      });
    }
    // No execute-api endpoint: with private DNS it would send Management API calls to an endpoint that serves only private REST APIs.
    expect(endpoints.some((e) => service(e).includes('execute-api'))).toBe(false);
  });
});

describe('the customer-managed key option', () => {
  it('encrypts every table and queue with one rotating key', () => {
    const keyId = logicalId(hardened, hardened.engine.encryptionKey as never);
    hardened.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const table of resourcesOf(hardened, 'AWS::DynamoDB::Table')) {
      expect(table.Properties.SSESpecification).toEqual({
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
    const queues = resourcesOf(hardened, 'AWS::SQS::Queue');
    expect(queues).toHaveLength(3);
    for (const queue of queues) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
  });

  it('lets the stream consumers decrypt what they read', () => {
    for (const kind of ['processor', 'projector', 'runner'] as const) {
      const roleId = logicalId(hardened, hardened.engine.functions[kind].role as never);
      const statements = resourcesOf(hardened, 'AWS::IAM::Policy')
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
        .flatMap(
          (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement,
        );
      expect(JSON.stringify(statements.map((s) => s.Action))).toContain('kms:Decrypt');
    }
  });
});

describe('the audit-log option', () => {
  it("records write data events of exactly the engine's tables", () => {
    const [trail] = resourcesOf(hardened, 'AWS::CloudTrail::Trail');
    const tableIds = Object.values(hardened.engine.tables).map((t) => logicalId(hardened, t));
    expect(trail?.Properties).toMatchObject({
      IsLogging: true,
      EnableLogFileValidation: true,
      AdvancedEventSelectors: [
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::DynamoDB::Table'] },
            {
              Field: 'resources.ARN',
              Equals: tableIds.map((id) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
            },
            { Field: 'readOnly', Equals: ['false'] },
          ],
        },
      ],
    });
    expect(trail?.Properties.EventSelectors).toBeUndefined();
  });
});

describe('access logs', () => {
  it('go to their own log group when turned on, and are off by default', () => {
    const [stage] = resourcesOf(hardened, 'AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties.AccessLogSettings).toMatchObject({
      DestinationArn: { 'Fn::GetAtt': [expect.stringMatching(/AccessLogs/), 'Arn'] },
    });
    const [prodStage] = resourcesOf(defaults, 'AWS::ApiGatewayV2::Stage');
    expect(prodStage?.Properties.AccessLogSettings).toBeUndefined();
  });
});

describe('functions', () => {
  it('log only to their own log group, not through AWSLambdaBasicExecutionRole', () => {
    for (const role of resourcesOf(defaults, 'AWS::IAM::Role')) {
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain(
        'AWSLambdaBasicExecutionRole',
      );
    }
  });

  it('move at once in dev: aliases, but no CodeDeploy', () => {
    expect(resourcesOf(hardened, 'AWS::Lambda::Alias')).toHaveLength(FUNCTION_KINDS.length);
    expect(resourcesOf(hardened, 'AWS::CodeDeploy::DeploymentGroup')).toHaveLength(0);
  });
});

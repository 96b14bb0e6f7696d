import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readStackInfo } from '../local/stackInfo';
import { loadWorkflowRegistry } from '../local/workflowModule';
import { tableNames } from '../tables/definitions';
import { versionsCommand } from './versions';

/** Options of `streamer versions`. */
export interface VersionsCliOptions {
  readonly stage?: string;
  readonly prefix?: string;
  /** The workflows module about to be deployed: a version it drops that runs still need fails the command. */
  readonly workflows?: string;
}

/**
 * `streamer versions`: the unfinished runs per workflow version, in AWS
 * (tables named by `--prefix`, or `streamer-<stage>`, with your credentials)
 * or, with neither option, in the running local stack. Returns the exit code.
 */
export async function runVersions(options: VersionsCliOptions): Promise<number> {
  const aws = options.prefix ?? (options.stage ? `streamer-${options.stage}` : undefined);
  const local = aws ? undefined : readStackInfo();
  const tables = local?.tables ?? tableNames(aws as string);
  const client = new DynamoDBClient(
    local ? { endpoint: local.dynamoDbEndpoint, ...local.aws } : {},
  );
  try {
    return await versionsCommand({
      client,
      tables,
      now: Date.now(),
      print: (text) => console.log(text),
      ...(options.workflows && { deploying: await loadWorkflowRegistry(options.workflows) }),
    });
  } finally {
    client.destroy();
  }
}

/** Options of `streamer synth`. */
export interface SynthCliOptions {
  readonly out: string;
  readonly workflows?: string;
  readonly stage?: string;
  readonly prefix?: string;
  readonly jwksUrl?: string;
  readonly jwtPublicKeyFile?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly alarmEmail?: string;
  readonly trafficShifting?: string;
}

/**
 * `streamer synth --out <dir>`: a self-contained CloudFormation template and
 * its assets for `sam deploy` or `aws cloudformation package/deploy`. CDK is
 * loaded only here, so `streamer dev` never pays for it.
 */
export async function runSynth(options: SynthCliOptions): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const { parseStageName, parseTrafficShifting, synthTemplate } = await import('../../infra/index');
  const publicKeyPem = options.jwtPublicKeyFile
    ? readFileSync(options.jwtPublicKeyFile, 'utf8')
    : undefined;
  const written = synthTemplate({
    outDir: options.out,
    stage: parseStageName(options.stage),
    ...(options.workflows && { workflows: options.workflows }),
    ...(options.prefix && { prefix: options.prefix }),
    ...(options.alarmEmail && { alarmEmail: options.alarmEmail }),
    ...(options.trafficShifting && {
      trafficShifting: parseTrafficShifting(options.trafficShifting) ?? 'none',
    }),
    jwt: {
      ...(publicKeyPem && { publicKeyPem }),
      ...(options.jwksUrl && { jwksUrl: options.jwksUrl }),
      ...(options.jwtIssuer && { issuer: options.jwtIssuer }),
      ...(options.jwtAudience && { audience: options.jwtAudience.split(',') }),
    },
  });
  console.log(`Wrote ${written.templateFile} and ${written.assets.length} function bundles.`);
  console.log(
    `Deploy: sam deploy --template-file ${written.templateFile} --stack-name <name> --capabilities CAPABILITY_IAM --resolve-s3`,
  );
  return 0;
}

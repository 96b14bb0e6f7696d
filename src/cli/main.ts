import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { SynthCliOptions } from './deployCommands';
import { missingDevPackages, missingDevPackagesMessage } from './devPackages';
import { registerInspectCommands } from './runs/runsCommands';

// The `streamer` command (the package's bin; `npm start`, `npm run events`
// and `npm run redrive` run it too, from the sources).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Options of `streamer dev`. */
interface DevOptions {
  readonly workflows?: string;
  readonly port?: number;
  readonly persist?: boolean;
}

const program = new Command('streamer')
  .description('Streamer: durable XState workflows on AWS serverless, and their local stack')
  .showHelpAfterError();

program
  .command('dev')
  .description(
    'run the whole system on this machine (DynamoDB Local, the SQS emulator, the WebSocket gateway) on your workflows',
  )
  .option(
    '--workflows <module>',
    'module exporting `workflows` (default: ./workflows.ts if present, else the demo workflows)',
  )
  .option('--port <port>', 'WebSocket port on 127.0.0.1 (default: STREAMER_PORT or 8080)', port)
  .option('--persist', 'keep DynamoDB data in .streamer/dynamodb between runs')
  .action(async (options: DevOptions) => {
    const missing = missingDevPackages();
    if (missing.length > 0) {
      console.error(missingDevPackagesMessage(missing));
      process.exit(1);
    }
    // The local stack's process reads its settings from the environment and argv (src/local/main.ts).
    const workflows = options.workflows ?? defaultWorkflows();
    if (workflows) process.env.STREAMER_WORKFLOWS_MODULE = workflows;
    if (options.port !== undefined) process.env.STREAMER_PORT = String(options.port);
    await import('../local/main');
  });

program
  .command('events')
  .description("print a request's event log and view, from the running local stack")
  .argument('<request-id>', 'the id the client chose')
  .argument('[tenant-id]', 'its tenant', 'dev-tenant')
  .action(async (requestId: string, tenantId: string) => {
    const { printEvents } = await import('./events');
    process.exitCode = await printEvents(requestId, tenantId);
  });

program
  .command('redrive')
  .description(
    'restart every dead-lettered request (the local stack, or AWS with REQUESTS_TABLE and DEAD_LETTER_QUEUE_URL set)',
  )
  .option(
    '--workflows <module>',
    'the workflows the engine runs (default: ./workflows.ts if present, else the demo workflows)',
  )
  .action(async (options: { workflows?: string }) => {
    const { redrive } = await import('./redrive');
    process.exitCode = await redrive(options.workflows ?? defaultWorkflows());
  });

program
  .command('versions')
  .description(
    'list unfinished runs per workflow version (AWS with --stage/--prefix, else the local stack); with --workflows, fail if that module drops a version they need',
  )
  .option('--stage <stage>', 'the deployed stage: tables streamer-<stage>-…')
  .option('--prefix <prefix>', "the deployed tables' name prefix (instead of --stage)")
  .option('--workflows <module>', 'the workflows module you are about to deploy')
  .action(async (options: { stage?: string; prefix?: string; workflows?: string }) => {
    const { runVersions } = await import('./deployCommands');
    process.exitCode = await runVersions(options);
  });

program
  .command('synth')
  .description(
    'write a CloudFormation template and its assets for `sam deploy` or `aws cloudformation deploy`',
  )
  .requiredOption('--out <dir>', 'where to write template.json and assets/')
  .option('--workflows <module>', 'your module exporting `workflows` (default: the demo workflows)')
  .option('--stage <stage>', 'dev, staging or prod (default dev)')
  .option('--prefix <prefix>', 'physical-name prefix (default streamer-<stage>)')
  .option('--jwks-url <url>', 'verify tokens with this JSON Web Key Set')
  .option('--jwt-public-key-file <file>', 'verify tokens with this PEM public key')
  .option('--jwt-issuer <iss>', 'required token issuer')
  .option('--jwt-audience <aud>', 'accepted audience(s), comma-separated')
  .option('--alarm-email <address>', 'subscribe this address to the alarms')
  .option('--traffic-shifting <how>', 'override the stage: none, or a CodeDeploy config name')
  .action(async (options: SynthCliOptions) => {
    const { runSynth } = await import('./deployCommands');
    process.exitCode = await runSynth(options);
  });

// `streamer runs …`, `streamer graph`, `streamer dashboard build` (src/cli/runs).
registerInspectCommands(program, defaultWorkflows);

try {
  await program.parseAsync();
} catch (error) {
  // Errors of ours say what to do; a stack trace would only bury that.
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}

/** STREAMER_WORKFLOWS_MODULE, else an app's ./workflows.ts, else none (the demo workflows). */
function defaultWorkflows(): string | undefined {
  return (
    process.env.STREAMER_WORKFLOWS_MODULE ??
    (existsSync('workflows.ts') ? './workflows.ts' : undefined)
  );
}

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new InvalidArgumentError('a port number, 0–65535');
  }
  return parsed;
}

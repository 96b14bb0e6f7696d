import { type LocalStack, startLocalStack } from './stack';
import { removeStackInfo, STACK_INFO_PATH, stackInfoOf, writeStackInfo } from './stackInfo';
import { loadWorkflowRegistry } from './workflowModule';

// `npm start`: the whole system on this machine (DynamoDB Local, the SQS
// emulator, the WebSocket gateway, the stream mappings, the demo workflows).
// Settings: STREAMER_PORT (WebSocket port), JWT_PUBLIC_KEY or JWKS_URL,
// JWT_ISSUER, JWT_AUDIENCE, STREAMER_DEMO_SPEED, STREAMER_WORKFLOWS_MODULE (a
// module exporting `workflows`, served instead of the demos); `--persist`
// keeps data.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const env = process.env;
const persist = process.argv.includes('--persist');
const port = env.STREAMER_PORT ? Number(env.STREAMER_PORT) : 8080;
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`STREAMER_PORT must be a port number, got ${JSON.stringify(env.STREAMER_PORT)}`);
  process.exit(2);
}
const demoSpeed = env.STREAMER_DEMO_SPEED ? Number(env.STREAMER_DEMO_SPEED) : 1;
if (!(demoSpeed > 0)) {
  console.error(
    `STREAMER_DEMO_SPEED must be a number above 0, got ${JSON.stringify(env.STREAMER_DEMO_SPEED)}`,
  );
  process.exit(2);
}

console.log('Starting the Streamer local stack…');
let stack: LocalStack | undefined;
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping…');
  removeStackInfo();
  await stack?.stop();
  console.log('Stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  stack = await startLocalStack({
    port,
    registry: await loadWorkflowRegistry(env.STREAMER_WORKFLOWS_MODULE, demoSpeed),
    ...(persist && { persistDir: '.streamer/dynamodb' }),
    jwt: {
      ...(env.JWT_PUBLIC_KEY && { publicKeyPem: env.JWT_PUBLIC_KEY }),
      ...(env.JWKS_URL && { jwksUrl: env.JWKS_URL }),
      ...(env.JWT_ISSUER && { issuer: env.JWT_ISSUER }),
      ...(env.JWT_AUDIENCE && { audience: env.JWT_AUDIENCE }),
    },
  });
} catch (error) {
  console.error('The local stack could not start:', error instanceof Error ? error.message : error);
  await shutdown(1);
}
if (stack) {
  // The stack's own dev key goes in too, so `streamer runs …` can sign in to it (the file is owner-only).
  const published = writeStackInfo(
    stackInfoOf(stack, { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE }),
  );
  if (!published.written) {
    console.warn(
      `Another local stack (pid ${published.ownerPid}) published ${STACK_INFO_PATH}: streamer runs, npm run redrive and npm run events talk to that one.`,
    );
  }
  for (const warning of stack.warnings) console.warn(`Warning: ${warning}`);
  const token = await stack.devIdentity?.mintToken({ sub: 'dev-user', tenant_id: 'dev-tenant' });
  console.log(`
Streamer is ready.

  WebSocket   ${stack.url}
  Dashboard   ${stack.dashboardUrl ?? 'off'}${token ? '  (open the link below to sign in)' : ''}
  DynamoDB    ${stack.dynamoDbEndpoint}  (tables ${Object.values(stack.tables).join(', ')})
  SQS         ${stack.sqsEndpoint}
  Data        ${persist ? 'kept in .streamer/dynamodb' : 'in memory (use --persist to keep it)'}; DynamoDB Local ${stack.loopbackOnly ? 'on 127.0.0.1 only' : 'on every interface'}, under this stack's own credentials
  Workflows   ${env.STREAMER_WORKFLOWS_MODULE ?? 'the demo workflows'}
`);
  if (token) {
    console.log(`No JWT_PUBLIC_KEY or JWKS_URL set: generated a dev key pair. A token for user dev-user of tenant dev-tenant (12 h):

  ${token}

Dashboard, signed in as dev-user:  ${stack.dashboardUrl}#token=${token}
Your runs from a terminal:         npx streamer runs list   (or watch <id>, show <id>)

Try:  npx wscat -c "${stack.url}?Authorization=${token}"
      then send ${env.STREAMER_WORKFLOWS_MODULE ? '{"action":"<one of your actions>","id":"r1","payload":{…}}' : '{"action":"generate_report","id":"r1","payload":{"start_date":"2026-01-01","end_date":"2026-01-31","format":"pdf","report_type":"monthly"}}'}
`);
  } else {
    console.log('Connect with a token signed by your configured key: ?Authorization=<JWT>');
  }
  console.log('Press Ctrl-C to stop.');
}

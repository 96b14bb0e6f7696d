import { join } from 'node:path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { StreamerEngine, stageSettings } from 'streamer-engine/cdk';

// `npx cdk deploy` (or `npx cdk synth` offline): the whole engine around the
// workflows of ./workflows.ts. Clients connect to the WebSocketUrl output
// with ?Authorization=<a JWT signed by your identity provider>.
const app = new App();
const stack = new Stack(app, 'expense-approval', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
const engine = new StreamerEngine(stack, 'Engine', {
  workflows: join(__dirname, 'workflows.ts'),
  stage: stageSettings('dev', 'expense-approval-dev'),
  jwt: { jwksUrl: process.env.JWKS_URL ?? 'https://auth.example.com/.well-known/jwks.json' },
});
new CfnOutput(stack, 'WebSocketUrl', { value: engine.webSocketUrl });

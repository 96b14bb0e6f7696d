// The Streamer engine on AWS with Pulumi, around the expense-approval
// workflows. `pulumi up` in this folder (after `npm install`), with AWS
// credentials and the JWT settings below. See docs/deploy.md, "Pulumi".
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { type StageName, StreamerEngine, stageSettings } from 'streamer-engine/pulumi';

const config = new pulumi.Config();
const stage = (config.get('stage') ?? 'dev') as StageName;

const engine = new StreamerEngine('streamer', {
  stage: stageSettings(stage),
  // Your module exporting `workflows` (defineWorkflow / defineHandler).
  workflows: fileURLToPath(new URL('../expense-approval/workflows.ts', import.meta.url)),
  jwt: {
    // Either a JWKS URL or a PEM public key (`pulumi config set --secret jwtPublicKey "$(cat key.pem)"`).
    ...(config.get('jwksUrl') && { jwksUrl: config.require('jwksUrl') }),
    ...(config.get('jwtPublicKey') && { publicKeyPem: config.require('jwtPublicKey') }),
    ...(config.get('jwtIssuer') && { issuer: config.require('jwtIssuer') }),
    ...(config.get('jwtAudience') && { audience: config.require('jwtAudience') }),
  },
});

/** Connect here with `?Authorization=<JWT>`. */
export const webSocketUrl = engine.webSocketUrl;
/** Where the engine posts frames. */
export const managementEndpoint = engine.managementEndpoint;
export const requestsTable = engine.tables.requests.name;
export const deadLetterQueueUrl = engine.deadLetterQueue.url;

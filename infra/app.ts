import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { bundleSizes, formatBundleSizes } from './bundleSizes';
import { MissingHandlerError } from './functionEntries';
import { SettingError } from './settingError';
import { parseStageName, stageSettings } from './stages';
import { StreamerStack } from './streamerStack';

// The CDK app: `npx cdk synth|deploy -c stage=dev|staging|prod`. Every
// setting is a context value (-c name=value) or, failing that, an environment
// variable; see docs/deploy.md.
const app = new App();
const setting = (contextKey: string, envKey: string): string | undefined => {
  const value = app.node.tryGetContext(contextKey) ?? process.env[envKey];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

try {
  synth();
} catch (error) {
  if (error instanceof MissingHandlerError || error instanceof SettingError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

function synth(): void {
  const stage = parseStageName(setting('stage', 'STREAMER_STAGE'));
  const settings = stageSettings(stage, setting('prefix', 'STREAMER_PREFIX'));
  const publicKeyFile = setting('jwtPublicKeyFile', 'JWT_PUBLIC_KEY_FILE');
  const publicKeyPem = publicKeyFile
    ? readFileSync(resolve(publicKeyFile), 'utf8')
    : setting('jwtPublicKey', 'JWT_PUBLIC_KEY');
  const jwksUrl = setting('jwksUrl', 'JWKS_URL');
  const issuer = setting('jwtIssuer', 'JWT_ISSUER');
  const audience = setting('jwtAudience', 'JWT_AUDIENCE');
  const allowedTenants = setting('jwtAllowedTenants', 'JWT_ALLOWED_TENANTS');
  const clockTolerance = setting('jwtClockToleranceSeconds', 'JWT_CLOCK_TOLERANCE_SECONDS');
  const list = (value: string) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  const workflowsModule = setting('workflowsModule', 'STREAMER_WORKFLOWS_MODULE');
  const alarmEmail = setting('alarmEmail', 'STREAMER_ALARM_EMAIL');

  const stack = new StreamerStack(app, settings.prefix, {
    settings,
    jwt: {
      ...(publicKeyPem && { publicKeyPem }),
      ...(jwksUrl && { jwksUrl }),
      ...(issuer && { issuer }),
      ...(audience && { audience: list(audience) }),
      ...(allowedTenants && { allowedTenants: list(allowedTenants) }),
      ...(clockTolerance && { clockToleranceSeconds: Number(clockTolerance) }),
    },
    ...(workflowsModule && { workflowsModule: resolve(workflowsModule) }),
    ...(alarmEmail && { alarmEmail }),
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: `Streamer workflow engine (${stage})`,
  });

  const assembly = app.synth();
  // stderr, so `cdk synth` keeps stdout for the template.
  console.error(formatBundleSizes(bundleSizes(stack.engine.functions, assembly.directory)));
}

import { App } from 'aws-cdk-lib';
import { readStackProps } from './appSettings';
import { bundleSizes, formatBundleSizes } from './bundleSizes';
import { MissingHandlerError } from './functionEntries';
import { SettingError } from './settingError';
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
  const props = readStackProps(setting);
  const stack = new StreamerStack(app, props.settings.prefix, {
    ...props,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: `Streamer workflow engine (${props.settings.stage})`,
  });
  const assembly = app.synth();
  // stderr, so `cdk synth` keeps stdout for the template.
  console.error(formatBundleSizes(bundleSizes(stack.engine.functions, assembly.directory)));
}

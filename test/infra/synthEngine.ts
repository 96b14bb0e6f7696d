import { isAbsolute, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { FunctionKind } from '../../infra/functionEntries';
import { stageSettings } from '../../infra/stages';
import { StreamerEngine, type StreamerEngineProps } from '../../infra/streamerEngine';

/** A synthesized engine: the construct, its template and the cloud assembly's directory. */
export interface SynthesizedEngine {
  readonly engine: StreamerEngine;
  readonly stack: Stack;
  readonly template: Template;
  readonly assemblyDir: string;
}

/** Synth takes seconds (esbuild bundles seven functions): do it once per test file, in `beforeAll`. */
export const SYNTH_TIMEOUT_MS = 180_000;

/**
 * Synthesizes a `StreamerEngine` in a stack of its own, bundling the real
 * handlers with the local esbuild (no Docker, no network).
 */
export function synthEngine(
  props: Partial<Omit<StreamerEngineProps, 'alarmTopic'>> & {
    readonly alarmTopic?: (stack: Stack) => ITopic;
  } = {},
): SynthesizedEngine {
  const { alarmTopic, ...engineProps } = props;
  const app = new App();
  const stack = new Stack(app, 'StreamerTest', {
    env: { account: '123456789012', region: 'eu-west-1' },
  });
  const engine = new StreamerEngine(stack, 'Engine', {
    stage: stageSettings('prod'),
    jwt: {
      jwksUrl: 'https://auth.example.com/.well-known/jwks.json',
      issuer: 'https://auth.example.com/',
    },
    ...engineProps,
    ...(alarmTopic && { alarmTopic: alarmTopic(stack) }),
  });
  const assembly = app.synth();
  return { engine, stack, template: Template.fromStack(stack), assemblyDir: assembly.directory };
}

/** Path of the JavaScript Lambda loads for `kind`, as staged in the cloud assembly. */
export function bundlePath(synth: SynthesizedEngine, kind: FunctionKind): string {
  const asset = synth.engine.functions[kind].node
    .findAll()
    .find((c): c is Asset => c instanceof Asset);
  if (!asset) throw new Error(`${kind} has no code asset`);
  const dir = isAbsolute(asset.assetPath)
    ? asset.assetPath
    : join(synth.assemblyDir, asset.assetPath);
  return join(dir, 'index.mjs');
}

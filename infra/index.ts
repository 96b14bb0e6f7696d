/**
 * `streamer-engine/cdk`: the `StreamerEngine` construct for your own AWS CDK
 * app. It bundles your workflows module with the engine's Lambda handlers
 * (esbuild, no Docker) and builds the tables, WebSocket API, stream
 * mappings, queues, IAM grants and alarms around them. `aws-cdk-lib`,
 * `constructs` and `esbuild` are peer dependencies.
 *
 * @example
 * import { join } from 'node:path';
 * import { App, Stack } from 'aws-cdk-lib';
 * import { StreamerEngine } from 'streamer-engine/cdk';
 *
 * const app = new App();
 * const stack = new Stack(app, 'expenses');
 * new StreamerEngine(stack, 'Engine', {
 *   workflows: join(__dirname, 'workflows.ts'),
 *   jwt: { jwksUrl: 'https://auth.example.com/.well-known/jwks.json' },
 * });
 *
 * @packageDocumentation
 */
export type {
  LeanViewIndex,
  RequestViewIndexProjection,
  ViewIndexSetting,
} from '../src/tables/definitions';
export type { FunctionKind } from './functionEntries';
export { FUNCTION_KINDS, MissingHandlerError } from './functionEntries';
export type { LiveAliases } from './liveAliases';
export { SettingError } from './settingError';
export type { StageName, StageSettings, TrafficShifting } from './stages';
export {
  parseStageName,
  parseTrafficShifting,
  STAGE_NAMES,
  stageSettings,
  TRAFFIC_SHIFTINGS,
} from './stages';
export type { StreamerAlarmsProps } from './streamerAlarms';
export { StreamerAlarms } from './streamerAlarms';
export type {
  AuditLogSettings,
  EngineVpcSettings,
  FunctionSizing,
  JwtSettings,
  StreamerEngineProps,
  StreamMappingSettings,
} from './streamerEngine';
export { DEFAULT_SIZING, STREAM_MAPPING, StreamerEngine } from './streamerEngine';
export type { StreamerStackProps } from './streamerStack';
export { StreamerStack } from './streamerStack';
export type { SynthesizedTemplate, SynthTemplateOptions } from './synthTemplate';
export { synthTemplate } from './synthTemplate';
